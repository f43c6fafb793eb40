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
 * DiagnosticReports folder, fake {@code sysctl}, {@code ioreg}, {@code sw_vers} and {@code uname} first on the PATH
 * (answering as a macOS 10.15.5 guest unless told otherwise), optionally a fake {@code log}, the real curl.
 */
public final class GuestAgent {

    public static final Path SCRIPT = Path.of("").toAbsolutePath().resolve("../deploy/macos/panicwatch-agent.sh").normalize();

    public record Run(int exitCode, String stderr) {
    }

    /** A run of {@code panicwatch-agent advice}: what it printed (the change) and logged. */
    public record AdviceRun(int exitCode, String stdout, String stderr) {
    }

    /** What {@code uname -v} says on the seed scenario's macOS 10.15.5 guests. */
    public static final String KERNEL_10_15_5 = "Darwin Kernel Version 19.5.0: Tue May 26 20:41:44 PDT 2020; "
            + "root:xnu-6153.121.2~2/RELEASE_X86_64";
    /** The fake guest's kern.boottime: 2020-07-01T08:06:40Z. */
    public static final long BOOT_SECONDS = 1_593_590_800L;

    private final Path dir;
    private final Path reports;
    private final Path facts;
    private boolean bootLog;

    /** Sets up the fake commands and report folder in {@code dir}. */
    public GuestAgent(Path dir, String bootArgs, String platformUuid) throws IOException {
        this.dir = dir;
        Path bin = Files.createDirectories(dir.resolve("bin"));
        facts = Files.createDirectories(dir.resolve("facts"));
        bootArgs(bootArgs);
        bootTime(BOOT_SECONDS);
        // Each fake answers from a file in facts/, so a test can change the guest between runs.
        String answers = "f=\"$(dirname \"$0\")/../facts\"\n";
        executable(bin.resolve("sysctl"), "#!/bin/sh\n" + answers + "case \"$1 $2\" in\n"
                + "  '-n kern.bootargs') cat \"$f/bootargs\" ;;\n"
                // macOS prints the struct and then the date.
                + "  '-n kern.boottime') echo \"{ sec = $(cat \"$f/boottime\"), usec = 391467 } Wed Jul  1 08:06:40 2020\" ;;\n"
                + "  '-n hw.ncpu') echo 8 ;;\n"
                + "  *) echo \"fake sysctl: unexpected $*\" >&2; exit 1 ;;\nesac\n");
        executable(bin.resolve("sw_vers"), "#!/bin/sh\ncase \"$1\" in\n  -productVersion) echo 10.15.5 ;;\n"
                + "  -buildVersion) echo 19F101 ;;\n  *) echo \"fake sw_vers: unexpected $*\" >&2; exit 1 ;;\nesac\n");
        executable(bin.resolve("uname"), "#!/bin/sh\n[ \"$1\" = -v ] && echo '" + KERNEL_10_15_5 + "' && exit 0\n"
                + "echo \"fake uname: unexpected $*\" >&2; exit 1\n");
        // `log show` as macOS up to 13.2 prints the kernel's line; every call is counted in facts/log-calls.
        executable(bin.resolve("log"), "#!/bin/sh\n" + answers + "echo x >> \"$f/log-calls\"\n"
                + "[ \"$1 $2 $3\" = 'show --last boot' ] || { echo \"fake log: unexpected $*\" >&2; exit 64; }\n"
                + "echo 'Timestamp                       (process)[PID]'\n"
                + "echo '2020-07-01 08:06:41.000000+0000  localhost kernel[0]: (kernel) Timeouts adjusted for "
                + "virtualization (<<9)'\n");
        executable(bin.resolve("ioreg"), "#!/bin/sh\ncat <<'OUT'\n+-o J160AP  <class IOPlatformExpertDevice, id 0x10000020b>\n"
                + "    {\n      \"IOPlatformSerialNumber\" = \"C02XL0GZJGH6\"\n"
                + "      \"IOPlatformUUID\" = \"" + platformUuid + "\"\n      \"model\" = <\"iMacPro1,1\">\n    }\nOUT\n");
        reports = Files.createDirectories(dir.resolve("DiagnosticReports"));
    }

    /** What {@code sysctl -n kern.bootargs} answers from now on. */
    public void bootArgs(String bootArgs) throws IOException {
        Files.writeString(facts.resolve("bootargs"), bootArgs + "\n");
    }

    /** What {@code sysctl -n kern.boottime} answers from now on: a new value is a reboot. */
    public void bootTime(long epochSeconds) throws IOException {
        Files.writeString(facts.resolve("boottime"), Long.toString(epochSeconds));
    }

    /** Whether the guest has {@code /usr/bin/log} (the fake one, pointed to by PANICWATCH_LOG); without, by default. */
    public void withBootLog(boolean present) {
        this.bootLog = present;
    }

    /** How often the agent ran {@code log}. */
    public int bootLogCalls() throws IOException {
        Path calls = facts.resolve("log-calls");
        return Files.exists(calls) ? Files.readAllLines(calls).size() : 0;
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
        env.put("PANICWATCH_LOG", bootLog ? dir.resolve("bin/log").toString() : dir.resolve("no-log-here").toString());
        env.putAll(new LinkedHashMap<>(settings));
        Path err = dir.resolve("agent-stderr.txt");
        Process process = builder.redirectErrorStream(false).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(err.toFile()).start();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("agent finished").isTrue();
        return new Run(process.exitValue(), Files.readString(err));
    }

    /**
     * Runs {@code panicwatch-agent advice ARGS} against the query API at {@code apiUrl}, with stand-ins for PlistBuddy,
     * plutil and nvram (test resources {@code agent-stand-ins/}, which keep their state in {@code facts/}) and an
     * {@code id} that answers uid 0 unless {@code facts/uid} says otherwise.
     *
     * @param settings PANICWATCH_* variables on top of the API URL, the stand-ins and the folders
     */
    public AdviceRun advice(String apiUrl, List<String> args, Map<String, String> settings)
            throws IOException, InterruptedException {
        Path bin = dir.resolve("bin");
        for (String name : List.of("PlistBuddy", "plutil", "nvram")) {
            try (var in = GuestAgent.class.getResourceAsStream("/agent-stand-ins/" + name)) {
                executable(bin.resolve(name), new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
        }
        executable(bin.resolve("id"), "#!/bin/sh\n[ \"$1\" = -u ] || exit 64\n"
                + "cat \"$(dirname \"$0\")/../facts/uid\" 2>/dev/null || echo 0\n");
        List<String> command = new java.util.ArrayList<>(List.of("bash", SCRIPT.toString(), "advice"));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        Map<String, String> env = builder.environment();
        env.keySet().removeIf(k -> k.startsWith("PANICWATCH_"));
        env.put("PATH", bin + ":" + System.getenv("PATH"));
        env.put("PANICWATCH_CONFIG", dir.resolve("no-such-config").toString());
        env.put("PANICWATCH_API_URL", apiUrl);
        env.put("PANICWATCH_API_TOKEN_FILE", dir.resolve("no-api-token").toString());
        env.put("PANICWATCH_STATE_DIR", dir.resolve("agent-state").toString());
        env.put("PANICWATCH_OPENCORE_CONFIG", dir.resolve("EFI/OC/config.plist").toString());
        env.put("PANICWATCH_PLISTBUDDY", bin.resolve("PlistBuddy").toString());
        env.put("PANICWATCH_PLUTIL", bin.resolve("plutil").toString());
        env.put("PANICWATCH_NVRAM", bin.resolve("nvram").toString());
        env.put("PANICWATCH_ID", bin.resolve("id").toString());
        env.put("TMPDIR", dir.toString());
        env.putAll(new LinkedHashMap<>(settings));
        Path out = dir.resolve("advice-stdout.txt");
        Path err = dir.resolve("advice-stderr.txt");
        Process process = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("agent finished").isTrue();
        return new AdviceRun(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    /** The folder the stand-ins keep their state in. */
    public Path facts() {
        return facts;
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
