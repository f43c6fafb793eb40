package dev.panicwatch.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code panicwatch streams} as a process of its own, configured through the environment exactly as a user would
 * run it, so its peak resident memory can be read from {@code /proc/<pid>/status}.
 */
final class StreamsProcess implements AutoCloseable {

    /** Same heap bounds as the {@code ./panicwatch} launcher, so the RSS is what a user's process would show. */
    static final List<String> HEAP = List.of("-Xms64m", "-Xmx1g");

    private final ChildJvms children;
    private final Process process;
    private final Path log;

    private StreamsProcess(ChildJvms children, Process process, Path log) {
        this.children = children;
        this.process = process;
        this.log = log;
    }

    /**
     * @param settings   PANICWATCH_* / KAFKA_* / SCHEMA_REGISTRY_URL environment for the app
     * @param flightRecording where to write a JFR profile of the whole run; null for none
     */
    static StreamsProcess start(ChildJvms children, Map<String, String> settings, Path workDir, Path flightRecording) {
        return startLoggingTo(children, settings, workDir.resolve("streams.log"), flightRecording);
    }

    /** @param log where the process's output goes; a restarted process gets a file of its own */
    static StreamsProcess startLoggingTo(ChildJvms children, Map<String, String> settings, Path log,
                                         Path flightRecording) {
        List<String> jvm = new ArrayList<>(HEAP);
        if (flightRecording != null) {
            jvm.add("-XX:StartFlightRecording=settings=profile,dumponexit=true,filename=" + flightRecording);
        }
        Process p = children.start(jvm, "dev.panicwatch.cli.Panicwatch", List.of("streams"), settings, log);
        return new StreamsProcess(children, p, log);
    }

    long pid() {
        return process.pid();
    }

    void requireAlive() {
        if (!process.isAlive()) {
            throw new IllegalStateException("the streams process exited with " + process.exitValue() + "; its log: "
                    + log + "; last lines: " + lastLogLines());
        }
    }

    /** Peak resident set size so far (VmHWM), in MiB; NaN where /proc is not there to ask. */
    double peakRssMb() {
        return ProcStatus.kibibytes(process.pid(), "VmHWM") / 1024.0;
    }

    /**
     * SIGKILL, as RestartWithHistoryIT does to the same command: no shutdown hook, no commit, no clean leave of the
     * consumer group. Returns once the process is gone.
     */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            throw new IllegalStateException("streams process " + process.pid() + " survived SIGKILL for 30 s");
        }
        children.forget(process);
    }

    /** The process's output so far. */
    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    String lastLogLines() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(log unreadable: " + e.getMessage() + ")";
        }
    }

    @Override
    public void close() {
        children.stop(process, Duration.ofSeconds(30));
    }
}
