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
            Map<String, Object> result = analyse(file);
            allParsed &= !result.containsKey("error");
            out.println(json ? JSON.writeValueAsString(result) : readable(result));
        }
        out.flush();
        return allParsed ? 0 : 1;
    }

    private Map<String, Object> analyse(String file) {
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("file", file);
        try {
            ParsedReport report = parser.parse(read(file));
            Diagnosis diagnosis = classifier.classify(report);
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
        } catch (UnreadableFileException | UnparseableReportException problem) {
            result.put("error", problem.getMessage());
        }
        return result;
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

    private static String readable(Map<String, Object> result) {
        StringBuilder block = new StringBuilder().append(result.get("file")).append('\n');
        if (result.containsKey("error")) {
            return line(block, "error", result.get("error")).toString();
        }
        int vti = (Integer) result.get("currentVti");
        line(block, "class", result.get("class"));
        line(block, "vti helps", Boolean.TRUE.equals(result.get("vtiHelps")) ? "yes" : "no");
        boolean predatesVti = XnuVersion.parse((String) result.get("xnuVersion")).map(v -> !v.hasVti()).orElse(false);
        line(block, "current vti", predatesVti ? "none (this kernel predates vti; it suspends these timeouts in a VM)"
                : vti + effectiveTimeout(vti));
        line(block, "kernel", kernel(result));
        line(block, "boot-args", result.get("bootArgs") == null ? "(not in the report)" : result.get("bootArgs"));
        line(block, "panic", result.get("panicString"));
        return line(block, "why", result.get("reason")).toString();
    }

    /** The lock/TLB timeout a VM guest runs with at this vti (docs/design.md#timeouts). */
    private static String effectiveTimeout(int vti) {
        if (!EffectiveTimeout.covers(vti)) {
            return "";
        }
        return " (lock/TLB timeout in a VM: 0.5 s x 2^" + vti + " = "
                + EffectiveTimeout.format(EffectiveTimeout.millis(vti)) + ")";
    }

    private static String kernel(Map<String, Object> result) {
        StringBuilder kernel = new StringBuilder();
        appendIfPresent(kernel, "", result.get("xnuVersion"));
        appendIfPresent(kernel, "Darwin ", result.get("darwinVersion"));
        appendIfPresent(kernel, "build ", result.get("macOSBuild"));
        return kernel.length() == 0 ? "unknown (the report does not say)" : kernel.toString();
    }

    private static void appendIfPresent(StringBuilder text, String label, Object value) {
        if (value != null) {
            text.append(text.length() == 0 ? "" : ", ").append(label).append(value);
        }
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
