package dev.panicwatch.ingest.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The macOS guest agent script (deploy/macos/panicwatch-agent.sh) as the tests run it (run from a module folder): bash on Linux, a fake
 * DiagnosticReports folder, fake {@code sysctl} and {@code ioreg} first on the PATH, the real curl.
 */
public final class GuestAgent {

    public static final Path SCRIPT = Path.of("").toAbsolutePath().resolve("../deploy/macos/panicwatch-agent.sh").normalize();

    public record Run(int exitCode, String stderr) {
    }

    private final Path dir;
    private final Path reports;

    /** Sets up the fake commands and report folder in {@code dir}. */
    public GuestAgent(Path dir, String bootArgs, String platformUuid) throws IOException {
        this.dir = dir;
        Path bin = Files.createDirectories(dir.resolve("bin"));
        executable(bin.resolve("sysctl"), "#!/bin/sh\n[ \"$1 $2\" = \"-n kern.bootargs\" ] && echo '" + bootArgs
                + "' && exit 0\necho \"fake sysctl: unexpected $*\" >&2; exit 1\n");
        executable(bin.resolve("ioreg"), "#!/bin/sh\ncat <<'OUT'\n+-o J160AP  <class IOPlatformExpertDevice, id 0x10000020b>\n"
                + "    {\n      \"IOPlatformSerialNumber\" = \"C02XL0GZJGH6\"\n"
                + "      \"IOPlatformUUID\" = \"" + platformUuid + "\"\n      \"model\" = <\"iMacPro1,1\">\n    }\nOUT\n");
        reports = Files.createDirectories(dir.resolve("DiagnosticReports"));
    }

    /** Puts a report in the folder, written a minute ago: past the agent's settle time. */
    public void report(String name, byte[] content) throws IOException {
        Path file = reports.resolve(name);
        Files.write(file, content);
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minusSeconds(60)));
    }

    /** The SHA-256 lines of the reports the agent remembers as delivered. */
    public List<String> sent() throws IOException {
        Path sent = dir.resolve("agent-state/sent");
        return Files.exists(sent) ? Files.readAllLines(sent) : List.of();
    }

    /**
     * Runs the agent once.
     *
     * @param settings PANICWATCH_* variables on top of the folder, state and retry settings
     */
    public Run run(String url, String token, int attempts, Map<String, String> settings)
            throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", SCRIPT.toString());
        Map<String, String> env = builder.environment();
        env.put("PATH", dir.resolve("bin") + ":" + System.getenv("PATH"));
        env.put("PANICWATCH_CONFIG", dir.resolve("no-such-config").toString());
        env.put("PANICWATCH_URL", url);
        env.put("PANICWATCH_TOKEN", token);
        env.put("PANICWATCH_REPORT_DIR", reports.toString());
        env.put("PANICWATCH_STATE_DIR", dir.resolve("agent-state").toString());
        env.put("PANICWATCH_ATTEMPTS", Integer.toString(attempts));
        env.put("PANICWATCH_RETRY_SECONDS", "1");
        env.put("TMPDIR", dir.toString());
        env.putAll(new LinkedHashMap<>(settings));
        Path err = dir.resolve("agent-stderr.txt");
        Process process = builder.redirectErrorStream(false).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("agent finished").isTrue();
        return new Run(process.exitValue(), Files.readString(err));
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
