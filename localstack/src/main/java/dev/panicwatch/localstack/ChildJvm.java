package dev.panicwatch.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A child JVM of the local stack: started with the {@link ParentWatchdogAgent}, its output in a log file, stopped
 * gently (SIGTERM, then SIGKILL after a grace period).
 */
final class ChildJvm implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChildJvm.class);

    private final String name;
    private final Process process;
    private final OutputStream stdinPipe;
    private final Path logFile;

    private ChildJvm(String name, Process process, Path logFile) {
        this.name = name;
        this.process = process;
        this.stdinPipe = process.getOutputStream();
        this.logFile = logFile;
    }

    /**
     * Starts {@code java [jvmArgs] -javaagent:watchdog [mainArgs]}; {@code mainArgs} is either {@code -cp … Main args}
     * or {@code -jar x.jar args}.
     */
    static ChildJvm start(String name, Path workDir, Path logFile, List<String> jvmArgs, List<String> mainArgs,
                          Map<String, String> env) throws IOException {
        Files.createDirectories(logFile.getParent());
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-javaagent:" + watchdogAgentJar(logFile.getParent()));
        command.addAll(jvmArgs);
        command.addAll(mainArgs);
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        builder.environment().putAll(env);
        LOG.debug("starting {}: {}", name, command);
        return new ChildJvm(name, builder.start(), logFile);
    }

    boolean isAlive() {
        return process.isAlive();
    }

    long pid() {
        return process.pid();
    }

    Path logFile() {
        return logFile;
    }

    /** The last lines of the log, for error messages that say why a child did not come up. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(logFile);
            return String.join(System.lineSeparator(), all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(log " + logFile + " unreadable: " + e.getMessage() + ")";
        }
    }

    /** Runs a short-lived child to completion (e.g. the storage formatter) and fails with its output if it fails. */
    void awaitSuccess(long timeoutSeconds) throws IOException {
        try {
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(name + " did not finish within " + timeoutSeconds + " s; see " + logFile);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
            throw new IOException("interrupted while waiting for " + name, e);
        }
        if (process.exitValue() != 0) {
            throw new IOException(name + " failed with exit code " + process.exitValue() + ":\n" + logTail(20));
        }
    }

    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                LOG.warn("{} (pid {}) did not stop within 20 s of SIGTERM; killing it", name, process.pid());
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        try {
            stdinPipe.close();
        } catch (IOException ignored) {
            // the child is gone either way
        }
    }

    /** Writes the watchdog agent into a tiny jar once per folder: the agent must be a jar, even in a test run. */
    private static synchronized Path watchdogAgentJar(Path folder) throws IOException {
        Path jar = folder.resolve("parent-watchdog-agent.jar");
        if (Files.exists(jar)) {
            return jar;
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().putValue("Premain-Class", ParentWatchdogAgent.class.getName());
        String entry = ParentWatchdogAgent.class.getName().replace('.', '/') + ".class";
        Path tmp = Files.createTempFile(folder, "agent", ".jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(tmp), manifest);
             InputStream classBytes = ParentWatchdogAgent.class.getClassLoader().getResourceAsStream(entry)) {
            if (classBytes == null) {
                throw new IOException("cannot find " + entry + " on the class path");
            }
            out.putNextEntry(new JarEntry(entry));
            classBytes.transferTo(out);
            out.closeEntry();
        }
        Files.move(tmp, jar, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        return jar;
    }
}
