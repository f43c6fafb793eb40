package dev.panicwatch.diagnosis.parse;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.panicwatch.diagnosis.kernel.XnuVersion;
import dev.panicwatch.diagnosis.parse.PanicSection.Kind;

/**
 * Reads a macOS kernel panic report — a legacy text report (10.9 through 15, as saved or as pasted into an issue) or
 * an {@code .ips}/panic-full JSON report — into a {@link ParsedReport}. Stateless and thread-safe.
 *
 * <p>Which message decides: a report can hold the {@code panic(cpu …)} line of the CPU that called panic() and
 * {@code Panic(CPU N…): NMIPI …} sections of CPUs it NMI-ed. The panic line decides, because it is the panic. One
 * exception: when it is {@code mp_kdp_enter() timed-out …} or {@code NMI_cpus() timeout}, the kernel panicked again
 * while stopping the other CPUs for an earlier panic and that line replaced the earlier message; an NMIPI section then
 * still names the original timeout and decides. Other lines ({@code mp_kdp_enter() timed-out on cpu 1, NMI-ing},
 * {@code SMCWDT::setWatchdogTimer ERROR}, kext lists naming AppleOSXWatchdog) are never read as the panic.
 */
public final class PanicReportParser {

    private static final List<String> PANIC_HEADINGS = List.of(
            "*** Panic Report ***", "Debugger called: <panic>", "panic trap number", "*** MCA Error Report ***");

    /** Decodes the bytes leniently (malformed UTF-8 becomes U+FFFD) and parses the text. */
    public ParsedReport parse(byte[] raw) throws UnparseableReportException {
        if (raw == null) {
            throw new UnparseableReportException("no report was given");
        }
        return parse(ReportText.decode(raw));
    }

    /**
     * @throws UnparseableReportException when the text holds no panic, with the reason
     */
    public ParsedReport parse(String raw) throws UnparseableReportException {
        if (raw == null) {
            throw new UnparseableReportException("no report was given");
        }
        List<String> lines = ReportText.lines(raw);
        Optional<String> firstText = lines.stream().filter(line -> !line.isEmpty()).findFirst();
        if (firstText.isEmpty()) {
            throw new UnparseableReportException("the report is empty");
        }
        String text = String.join("\n", lines);
        boolean json = firstText.get().startsWith("{");
        if (json || text.contains("\"panicString\"") || text.contains("\"macOSPanicString\"")) {
            // Also a JSON report pasted below a line of prose: the lenient reader finds the field anyway.
            Optional<IpsReport> ips = IpsReport.read(text);
            if (ips.isPresent()) {
                return fromJson(ips.get());
            }
            try {
                return fromText(lines, ReportFormat.LEGACY_TEXT, JsonFallbacks.NONE);
            } catch (UnparseableReportException noPanicLineEither) {
                if (json) {
                    throw new UnparseableReportException(
                            "the report is JSON but has no panicString or macOSPanicString field");
                }
                throw noPanicLineEither;
            }
        }
        return fromText(lines, ReportFormat.LEGACY_TEXT, JsonFallbacks.NONE);
    }

    private static ParsedReport fromJson(IpsReport ips) throws UnparseableReportException {
        List<String> lines = ReportText.lines(ips.panicText());
        if (lines.stream().allMatch(String::isEmpty)) {
            throw new UnparseableReportException("the JSON report's panic string is empty"
                    + (ips.complete() ? "" : " (the JSON is cut off inside it)"));
        }
        return fromText(lines, ReportFormat.IPS_JSON, new JsonFallbacks(ips));
    }

    private static ParsedReport fromText(List<String> lines, ReportFormat format, JsonFallbacks json)
            throws UnparseableReportException {
        List<PanicSection> sections = PanicSectionReader.sections(lines);
        PanicSection deciding = deciding(sections)
                .or(() -> PanicSectionReader.sleepWakeStackshot(lines).filter(PanicSection::hasMessage))
                .orElse(null);
        if (deciding == null) {
            if (format == ReportFormat.IPS_JSON) {
                // The field is the panic string by definition even when it lacks the "panic(cpu …)" prefix.
                int first = firstNonEmpty(lines);
                deciding = new PanicSection(Kind.PANIC_CALL, first, Optional.empty(), Optional.empty(),
                        lines.get(first).strip());
            } else {
                throw new UnparseableReportException(noPanicReason(lines, sections));
            }
        }
        int sectionEnd = nextSectionLine(sections, deciding, lines.size());
        ReportFields fields = new ReportFields(lines);
        return new ParsedReport(
                format,
                deciding.message(),
                deciding.cpu(),
                deciding.caller(),
                fields.xnuVersion().or(json::xnuVersion),
                fields.darwinVersion().or(json::darwinVersion),
                fields.macOSBuild().or(json::macOSBuild),
                fields.systemModel().or(json::systemModel),
                fields.uptimeNanos(),
                fields.bootArgs(),
                fields.backtrace(deciding.line() + 1, sectionEnd),
                fields.processName(deciding.line() + 1, sectionEnd),
                json.panicTime().or(fields::panicTime));
    }

    private static Optional<PanicSection> deciding(List<PanicSection> sections) {
        Optional<PanicSection> panicCall = firstWithMessage(sections, Kind.PANIC_CALL);
        Optional<PanicSection> nmiSection = firstWithMessage(sections, Kind.NMI_SECTION);
        if (panicCall.isPresent()) {
            boolean replacedEarlierPanic = isDebuggerEntryTimeout(panicCall.get().message());
            return replacedEarlierPanic && nmiSection.isPresent() ? nmiSection : panicCall;
        }
        return nmiSection.or(() -> firstWithMessage(sections, Kind.SLEEP_WAKE_FAILURE));
    }

    private static boolean isDebuggerEntryTimeout(String message) {
        return message.startsWith("mp_kdp_enter() timed-out") || message.startsWith("NMI_cpus() timeout");
    }

    private static Optional<PanicSection> firstWithMessage(List<PanicSection> sections, Kind kind) {
        return sections.stream().filter(s -> s.kind() == kind && s.hasMessage()).findFirst();
    }

    private static int nextSectionLine(List<PanicSection> sections, PanicSection deciding, int end) {
        return sections.stream().mapToInt(PanicSection::line).filter(line -> line > deciding.line())
                .min().orElse(end);
    }

    private static int firstNonEmpty(List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isEmpty()) {
                return i;
            }
        }
        return 0;
    }

    private static String noPanicReason(List<String> lines, List<PanicSection> sections) {
        if (!sections.isEmpty()) {
            return "the panic line on line " + (sections.get(0).line() + 1)
                    + " is cut off before its message";
        }
        for (String heading : PANIC_HEADINGS) {
            for (String line : lines) {
                if (line.contains(heading)) {
                    return "the report has a panic heading ('" + heading + "') but no panic line"
                            + " ('panic(cpu N caller ...): ...') or NMIPI section ('Panic(CPU N, time T): ...');"
                            + " it was probably cut before the panic message";
                }
            }
        }
        return "no panic line ('panic(cpu N caller ...): ...'), NMIPI section ('Panic(CPU N, time T): ...') or"
                + " sleep/wake failure found in " + lines.size() + (lines.size() == 1 ? " line" : " lines");
    }

    /** Fields a JSON report states outside its panic string, used where the panic string does not say. */
    private record JsonFallbacks(Optional<String> kernel, Optional<String> osVersion, Optional<String> product,
                                 Optional<String> timestamp) {

        static final JsonFallbacks NONE =
                new JsonFallbacks(Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());

        JsonFallbacks(IpsReport ips) {
            this(ips.kernel(), ips.osVersion(), ips.product(), ips.timestamp());
        }

        Optional<String> xnuVersion() {
            return kernel.flatMap(XnuVersion::parse).map(XnuVersion::toString);
        }

        Optional<String> darwinVersion() {
            return kernel.flatMap(k -> group(ReportFields.DARWIN, k));
        }

        Optional<String> macOSBuild() {
            return osVersion.flatMap(v -> group(ReportFields.BUILD, v));
        }

        Optional<String> systemModel() {
            return product.flatMap(ReportFields::modelIdentifier);
        }

        Optional<Instant> panicTime() {
            return timestamp.flatMap(ReportFields::offsetTime);
        }

        private static Optional<String> group(Pattern pattern, String text) {
            Matcher m = pattern.matcher(text);
            return m.find() ? Optional.of(m.group(1)) : Optional.empty();
        }
    }
}
