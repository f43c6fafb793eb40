package dev.panicwatch.cli.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Starts JVMs on this JVM's class path and makes sure none outlives the benchmark: each is destroyed on
 * {@link #close()} and by a shutdown hook (Ctrl-C). Child JVMs rather than threads because the baseline tools and
 * the streams app must not share this JVM's heap, JIT and GC with the load generator, and the streams app's peak
 * RSS is only readable for a process of its own.
 */
final class ChildJvms implements AutoCloseable {

    private final Set<Process> running = ConcurrentHashMap.newKeySet();
    private final Thread hook = new Thread(this::destroyAll, "bench-children-shutdown");

    ChildJvms() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** Starts {@code mainClass} with output going to {@code log} (so a full pipe never blocks the child). */
    Process start(List<String> jvmOptions, String mainClass, List<String> args, Map<String, String> env, Path log) {
        ProcessBuilder pb = new ProcessBuilder(command(jvmOptions, mainClass, args));
        // Only the settings given here: an inherited KAFKA_SASL_* or PANICWATCH_* would point the child elsewhere.
        pb.environment().keySet().removeIf(name -> name.startsWith("KAFKA_") || name.startsWith("SCHEMA_REGISTRY_")
                || name.startsWith("PANICWATCH_"));
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        try {
            Process p = pb.start();
            running.add(p);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start java for " + mainClass + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code mainClass} to completion and returns its output lines (stdout and stderr merged). */
    List<String> run(List<String> jvmOptions, String mainClass, List<String> args, Duration timeout) {
        ProcessBuilder pb = new ProcessBuilder(command(jvmOptions, mainClass, args)).redirectErrorStream(true);
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start java for " + mainClass + ": " + e.getMessage(), e);
        }
        running.add(p);
        List<String> lines = new ArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    synchronized (lines) {
                        lines.add(line);
                    }
                }
            } catch (IOException e) {
                // the process was destroyed; what was read so far is kept
            }
        }, "bench-child-output");
        reader.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(mainClass + " did not finish within " + timeout + "; last output: "
                        + lastLines(lines));
            }
            reader.join(5_000);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(mainClass + " exited with " + p.exitValue() + "; last output: "
                        + lastLines(lines));
            }
            synchronized (lines) {
                return List.copyOf(lines);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IllegalStateException("interrupted while " + mainClass + " ran", e);
        } finally {
            running.remove(p);
        }
    }

    /** SIGTERM first so the streams app closes cleanly, then SIGKILL after {@code grace}. */
    void stop(Process p, Duration grace) {
        p.destroy();
        try {
            if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
        }
        running.remove(p);
    }

    /** A child that has ended by other means than {@link #stop}; nothing left to stop at the end. */
    void forget(Process p) {
        running.remove(p);
    }

    @Override
    public void close() {
        destroyAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
            // already shutting down: the hook is running or has run
        }
    }

    private void destroyAll() {
        for (Process p : running) {
            stop(p, Duration.ofSeconds(15));
        }
    }

    private static List<String> command(List<String> jvmOptions, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    private static String lastLines(List<String> lines) {
        synchronized (lines) {
            return String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        }
    }
}
