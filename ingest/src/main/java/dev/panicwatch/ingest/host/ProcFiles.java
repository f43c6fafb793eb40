package dev.panicwatch.ingest.host;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the small pseudo-files the sampler lives on. A figure whose file is missing or unreadable is simply absent
 * (a VM stopped, the kernel has no PSI, a permission is missing), so a read never throws; the first failure for a
 * given figure is logged at debug, and repeats are not, because a host without PSI would otherwise log the same line
 * every ten seconds for ever.
 */
final class ProcFiles {

    private static final Logger LOG = LoggerFactory.getLogger(ProcFiles.class);
    /** Bounds the memory of "already reported" keys on a host whose VMs come and go for months. */
    private static final int MAX_REMEMBERED = 10_000;

    private final Set<String> reported = new HashSet<>();
    /** Reused across reads: the sampler is single-threaded and reads thousands of tiny files per round. */
    private final byte[] buffer = new byte[64 * 1024];

    /**
     * The text of {@code file}, or empty when it cannot be read; {@code figure} names what was wanted, for the log
     * and for the once-only bookkeeping (e.g. {@code "host cpu pressure"} or {@code "vm pve1/101 vcpu schedstat"}).
     */
    Optional<String> read(Path file, String figure) {
        try {
            return Optional.of(readOrThrow(file));
        } catch (IOException | SecurityException e) {
            reportOnce(figure, file, e);
            return Optional.empty();
        }
    }

    /**
     * Like {@link #read} but lets "no such file" through as an exception: the caller needs to tell a process that has
     * gone (stopped VM) from a figure that is merely unreadable.
     */
    String readOrThrow(Path file) throws IOException {
        // procfs reports size 0 for its files, so read to EOF instead of trusting the size.
        try (InputStream in = Files.newInputStream(file)) {
            int total = 0;
            int n;
            while ((n = in.read(buffer, total, buffer.length - total)) > 0) {
                total += n;
                if (total == buffer.length) {
                    throw new IOException(file + " is larger than " + buffer.length + " bytes; not a proc file");
                }
            }
            // Proc files are ASCII; names in cmdline/comm may be UTF-8.
            return new String(buffer, 0, total, StandardCharsets.UTF_8);
        }
    }

    void reportOnce(String figure, Path file, Exception e) {
        if (reported.size() >= MAX_REMEMBERED) {
            reported.clear();
        }
        if (reported.add(figure)) {
            String why = e instanceof NoSuchFileException ? "no such file" : e.toString();
            LOG.debug("{}: cannot read {} ({}); the figure stays empty", figure, file, why);
        }
    }

    /** Logs a figure whose file was read but held something unexpected; once per figure, like a missing file. */
    void reportMalformed(String figure, Path file, String problem) {
        if (reported.size() >= MAX_REMEMBERED) {
            reported.clear();
        }
        if (reported.add(figure)) {
            LOG.debug("{}: {} is malformed ({}); the figure stays empty", figure, file, problem);
        }
    }
}
