package dev.panicwatch.streams.app;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local state is trusted only after a clean stop (docs/streams.md, "Restart after a crash"). A run holds a lock on a
 * marker file beside the application's state folder and removes the file when it closes cleanly; a process that is
 * killed, runs out of memory or stops on a fatal error leaves the file behind, and the next start deletes the
 * application's local state before Kafka Streams opens it, so every store is rebuilt from its changelog.
 *
 * <p>Why not let Kafka Streams judge: in 4.4 a SIGKILL can leave a window store whose never-flushed segment lost its
 * data while the flushed segments carry a committed offset past it (with KIP-892 stores: the restart restores only
 * from that offset and the samples are silently gone), or whose segments are marked "open" (without them: the
 * startup registration leaks a segment's RocksDB lock and the stream thread dies). Rebuilding after an unclean stop
 * is what exactly-once has always done; it costs restore time, never correctness.
 */
final class LocalStateGuard implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalStateGuard.class);

    private final Path marker;
    private final FileChannel channel;
    private final FileLock lock;
    private boolean released;

    private LocalStateGuard(Path marker, FileChannel channel, FileLock lock) {
        this.marker = marker;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the marker of {@code applicationId} under {@code stateDir}, wiping the application's local state first
     * when the previous run did not stop cleanly.
     *
     * @throws IllegalStateException when another live process holds the marker (the same state folder twice), or the
     *                               folder cannot be written
     */
    static LocalStateGuard acquire(Path stateDir, String applicationId) {
        Path appDir = stateDir.resolve(applicationId);
        Path marker = stateDir.resolve(applicationId + ".running");
        try {
            Files.createDirectories(stateDir);
            FileChannel channel = FileChannel.open(marker, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException e) {
                lock = null; // held by another app in this JVM
            }
            if (lock == null) {
                channel.close();
                throw new IllegalStateException("state folder " + appDir + " is in use by another running process ("
                        + marker + " is locked); give each instance its own KAFKA_STATE_DIR");
            }
            String previous = read(channel);
            if (!previous.isBlank() && Files.exists(appDir)) {
                LOG.warn("the last run on {} did not stop cleanly ({}): deleting its local state so every store is "
                        + "rebuilt from its changelog", appDir, previous.strip());
                Utils.delete(appDir.toFile());
            }
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + " since " + Instant.now() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)), 0);
            channel.force(true);
            return new LocalStateGuard(marker, channel, lock);
        } catch (IOException e) {
            throw new IllegalStateException("cannot use the state folder " + appDir + " (marker " + marker + "): " + e,
                    e);
        }
    }

    /** The run stopped cleanly: its local state may be trusted next time. */
    void stoppedCleanly() {
        try {
            Files.deleteIfExists(marker);
        } catch (IOException e) {
            LOG.warn("could not remove {}; the next start rebuilds the local state from the changelogs", marker, e);
        }
        close();
    }

    /** Releases the lock and leaves the marker: the next start rebuilds the local state. */
    @Override
    public void close() {
        if (released) {
            return;
        }
        released = true;
        try {
            lock.release();
            channel.close();
        } catch (IOException e) {
            LOG.debug("closing {}", marker, e);
        }
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate((int) Math.min(channel.size(), 4096));
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII);
    }
}
