package dev.panicwatch.diagnosis.parse;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.panicwatch.schemas.ReportFormat;

/**
 * TEMPORARY minimal parser on the collectors branch: just enough to tell a panic report from other text and to pull
 * the panic line, boot-args and kernel version. The parser helper's full version replaces this file at merge; the
 * collectors only rely on {@link #parse(String)} / {@link #parse(byte[])} and {@link UnparseableReportException}.
 */
public final class PanicReportParser {

    private static final Pattern JSON_PANIC = Pattern.compile("\"(?:macOSPanicString|panicString)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)");
    private static final Pattern PANIC_LINE = Pattern.compile("(?m)^.*?((?:panic\\(cpu|Panic\\(CPU)\\s*\\d+.*)$");
    private static final Pattern BOOT_ARGS = Pattern.compile("(?m)^\\s*Boot args:[ \\t]*(.*?)\\s*$");
    private static final Pattern KERNEL = Pattern.compile(
            "Darwin Kernel Version ([0-9.]+):[^\\n]*?root:(xnu-[0-9.]+)");

    public ParsedReport parse(byte[] raw) {
        return parse(new String(raw, StandardCharsets.UTF_8));
    }

    public ParsedReport parse(String raw) {
        ReportFormat format = ReportFormat.LEGACY_TEXT;
        String text = raw;
        Matcher json = JSON_PANIC.matcher(raw);
        if (json.find()) {
            format = ReportFormat.IPS_JSON;
            text = json.group(1).replace("\\n", "\n").replace("\\/", "/").replace("\\\"", "\"");
        }
        Matcher panic = PANIC_LINE.matcher(text);
        if (!panic.find()) {
            throw new UnparseableReportException("no panic found: the text has no 'panic(cpu N caller …)' line, no "
                    + "'Panic(CPU N …)' section and no panicString/macOSPanicString field");
        }
        Optional<String> bootArgs = find(BOOT_ARGS, text, 1).filter(s -> !s.isEmpty());
        return new ParsedReport(format, panic.group(1).trim(), Optional.empty(), Optional.empty(),
                find(KERNEL, text, 2), find(KERNEL, text, 1), Optional.empty(), Optional.empty(), Optional.empty(),
                bootArgs, List.of(), Optional.empty(), Optional.empty());
    }

    private static Optional<String> find(Pattern pattern, String text, int group) {
        Matcher m = pattern.matcher(text);
        return m.find() ? Optional.of(m.group(group)) : Optional.empty();
    }
}
