package dev.panicwatch.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code ./panicwatch <args>} as a child JVM on this test run's class path, so the suite can do to it what an
 * operator's machine can: kill -9 it, restart it, read its RSS. Output goes to a log file (appended across
 * restarts, so one file tells the whole story of a test).
 */
final class PanicwatchProcess implements AutoCloseable {

    private final Process process;
    private final Path log;

    private PanicwatchProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    static PanicwatchProcess start(List<String> jvmArgs, List<String> args, Map<String, String> env, Path log)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.panicwatch.cli.Panicwatch");
        command.addAll(args);
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        builder.environment().putAll(env);
        Process process = builder.start();
        // Should the test JVM itself be stopped, do not leave a streams app or receiver running behind it.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
        return new PanicwatchProcess(process, log);
    }

    long pid() {
        return process.pid();
    }

    int exitValue() {
        return process.exitValue();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no commit, no clean leave of the consumer group — a power cut for the process. */
    void kill9() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("pid " + process.pid() + " survived SIGKILL for 30 s");
        }
    }

    /** SIGTERM and wait: the command's shutdown hook closes the app cleanly. */
    void stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** Resident set size in MiB from /proc (Linux), the figure an operator's monitoring would see. */
    long rssMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IOException("no VmRSS for pid " + process.pid());
    }

    String log() throws IOException {
        return Files.exists(log) ? Files.readString(log) : "";
    }

    Path logFile() {
        return log;
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            try {
                stop();
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }
}
