package dev.panicwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import dev.panicwatch.diagnosis.classify.Diagnosis;
import dev.panicwatch.diagnosis.classify.PanicClassifier;
import dev.panicwatch.diagnosis.kernel.EffectiveTimeout;
import dev.panicwatch.diagnosis.kernel.XnuVersion;
import dev.panicwatch.diagnosis.parse.PanicReportParser;
import dev.panicwatch.diagnosis.parse.ParsedReport;
import dev.panicwatch.diagnosis.parse.UnparseableReportException;

/**
 * Offline triage of panic reports: parse and classify each file, print the verdict. Per-file results (including files
 * that hold no panic or cannot be read) go to standard output, so a JSON consumer sees one line per file.
 */
@Command(name = "parse", mixinStandardHelpOptions = true,
        description = {"Parse and classify macOS kernel panic reports offline (no Kafka needed).",
                "Prints the panic class, whether raising vti can help, the vti in force, the kernel and the panic "
                        + "string for each file.",
                "Exit status: 0 when every file parsed, 1 when any could not be, 2 on a usage error."})
final class ParseCommand implements Callable<Integer> {

    /** Panic reports are kilobytes; anything this large is not one, and reading it whole would only waste memory. */
    static final int MAX_REPORT_BYTES = 16 * 1024 * 1024;

    /** Non-ASCII is escaped so the JSON lines survive any terminal or pipe encoding (panic strings carry U+FFFD). */
    private static final ObjectMapper JSON = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    @Option(names = "--json", description = "Print one JSON object per file per line.")
    boolean json;

    @Parameters(arity = "1..*", paramLabel = "FILE",
            description = "Panic reports (.panic, .ips, panic-full JSON, or text pasted from an issue); "
                    + "'-' reads standard input.")
    List<String> files;

    @Spec
    CommandSpec spec;

    private final PanicReportParser parser = new PanicReportParser();
    private final PanicClassifier classifier = new PanicClassifier();

    @Override
    public Integer call() throws JsonProcessingException {
        PrintWriter out = spec.commandLine().getOut();
        boolean allParsed = true;
        for (String file : files) {
            Verdict verdict = analyse(file);
            allParsed &= verdict.error() == null;
            out.println(json ? JSON.writeValueAsString(verdict.jsonFields()) : verdict.readable());
        }
        out.flush();
        return allParsed ? 0 : 1;
    }

    /**
     * What one file turned out to be: its report and diagnosis, or why there is none.
     *
     * @param error null when the file parsed; else what was wrong with it (report and diagnosis are then null)
     */
    record Verdict(String file, ParsedReport report, Diagnosis diagnosis, String error) {

        /** The JSON line's fields, in the order documented (README, "parse --json"). */
        Map<String, Object> jsonFields() {
            Map<String, Object> result = new LinkedHashMap<>();
            result.put("file", file);
            if (error != null) {
                result.put("error", error);
                return result;
            }
            result.put("class", diagnosis.panicClass().name());
            result.put("vtiHelps", diagnosis.vtiHelps());
            result.put("currentVti", diagnosis.currentVti());
            result.put("xnuVersion", report.xnuVersion().orElse(null));
            result.put("darwinVersion", report.darwinVersion().orElse(null));
            result.put("macOSBuild", report.macOSBuild().orElse(null));
            result.put("systemModel", report.systemModel().orElse(null));
            result.put("bootArgs", report.bootArgs().orElse(null));
            result.put("format", report.format().name());
            result.put("panicCpu", report.panicCpu().orElse(null));
            result.put("caller", report.caller().orElse(null));
            result.put("processName", report.processName().orElse(null));
            result.put("uptimeNanos", report.uptimeNanos().orElse(null));
            result.put("panicTime", report.panicTime().map(Object::toString).orElse(null));
            result.put("backtrace", report.backtrace());
            result.put("panicString", report.panicString());
            result.put("reason", diagnosis.reason());
            return result;
        }

        String readable() {
            StringBuilder block = new StringBuilder().append(file).append('\n');
            if (error != null) {
                return line(block, "error", error).toString();
            }
            int vti = diagnosis.currentVti();
            line(block, "class", diagnosis.panicClass().name());
            line(block, "vti helps", diagnosis.vtiHelps() ? "yes" : "no");
            boolean predatesVti = report.xnuVersion().flatMap(XnuVersion::parse).map(v -> !v.hasVti()).orElse(false);
            line(block, "current vti", predatesVti
                    ? "none (this kernel predates vti; it suspends these timeouts in a VM)" : vti + effectiveTimeout(vti));
            line(block, "kernel", kernel());
            line(block, "boot-args", report.bootArgs().orElse("(not in the report)"));
            line(block, "panic", report.panicString());
            return line(block, "why", diagnosis.reason()).toString();
        }

        private String kernel() {
            StringBuilder kernel = new StringBuilder();
            appendIfPresent(kernel, "", report.xnuVersion());
            appendIfPresent(kernel, "Darwin ", report.darwinVersion());
            appendIfPresent(kernel, "build ", report.macOSBuild());
            return kernel.length() == 0 ? "unknown (the report does not say)" : kernel.toString();
        }
    }

    private Verdict analyse(String file) {
        try {
            ParsedReport report = parser.parse(read(file));
            return new Verdict(file, report, classifier.classify(report), null);
        } catch (UnreadableFileException | UnparseableReportException problem) {
            return new Verdict(file, null, null, problem.getMessage());
        }
    }

    private static byte[] read(String file) throws UnreadableFileException {
        if (file.equals("-")) {
            try {
                return bounded(System.in);
            } catch (IOException failed) {
                throw new UnreadableFileException("cannot read standard input: " + failed.getMessage());
            }
        }
        Path path = Path.of(file);
        if (Files.isDirectory(path)) {
            throw new UnreadableFileException("is a directory, not a panic report");
        }
        try (InputStream in = Files.newInputStream(path)) {
            return bounded(in);
        } catch (NoSuchFileException missing) {
            throw new UnreadableFileException("no such file");
        } catch (AccessDeniedException denied) {
            throw new UnreadableFileException("permission denied");
        } catch (IOException failed) {
            throw new UnreadableFileException("cannot read the file: " + failed.getMessage());
        }
    }

    private static byte[] bounded(InputStream in) throws IOException, UnreadableFileException {
        byte[] bytes = in.readNBytes(MAX_REPORT_BYTES + 1);
        if (bytes.length > MAX_REPORT_BYTES) {
            throw new UnreadableFileException("larger than " + MAX_REPORT_BYTES / (1024 * 1024)
                    + " MiB; panic reports are a few KiB");
        }
        return bytes;
    }

    /** The lock/TLB timeout a VM guest runs with at this vti (docs/design.md#timeouts). */
    private static String effectiveTimeout(int vti) {
        if (!EffectiveTimeout.covers(vti)) {
            return "";
        }
        return " (lock/TLB timeout in a VM: 0.5 s x 2^" + vti + " = "
                + EffectiveTimeout.format(EffectiveTimeout.millis(vti)) + ")";
    }

    private static void appendIfPresent(StringBuilder text, String label, java.util.Optional<?> value) {
        value.ifPresent(v -> text.append(text.length() == 0 ? "" : ", ").append(label).append(v));
    }

    private static StringBuilder line(StringBuilder block, String label, Object value) {
        return block.append("  ").append(String.format("%-14s", label + ":")).append(value).append('\n');
    }

    /** A file that could not be read; the message names the problem, the caller names the file. */
    private static final class UnreadableFileException extends Exception {
        private static final long serialVersionUID = 1L;

        UnreadableFileException(String reason) {
            super(reason);
        }
    }
}
