package dev.panicwatch.ingest.panic;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reports a collector has already published, kept across restarts: an append-only file with one
 * {@code reportId vmId} a line, written (and forced to disk) only after Kafka acknowledged the report. A report in the
 * ledger is never sent again for that VM. The same text for another VM is that VM's report (the topology judges
 * duplicates per VM as well); lines of a bare reportId, as ledgers were written before, match every VM.
 *
 * <p>A crash between Kafka's acknowledgement and the ledger write means the report is sent once more after the
 * restart; the topology drops it as a duplicate by reportId. The opposite order could lose a report, so this one is
 * chosen. The file is locked while open, so two collectors cannot share one state folder by mistake.
 */
public final class PublishedLedger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PublishedLedger.class);
    public static final String FILE_NAME = "published-report-ids";
    private static final Pattern REPORT_ID = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern LINE = Pattern.compile("[0-9a-f]{64}( \\S+)?");

    private final Set<String> published = ConcurrentHashMap.newKeySet();
    private final FileChannel file;
    private final FileLock lock;
    private final Path path;

    private PublishedLedger(Path path, FileChannel file, FileLock lock) {
        this.path = path;
        this.file = file;
        this.lock = lock;
    }

    /** A ledger that forgets on exit, for collectors with nothing to resume (tests, one-shot tools). */
    public static PublishedLedger inMemory() {
        return new PublishedLedger(null, null, null);
    }

    /**
     * Opens (or creates) the ledger in {@code stateDir}.
     *
     * @throws IOException when the folder cannot be written, or another collector holds it
     */
    public static PublishedLedger open(Path stateDir) throws IOException {
        Files.createDirectories(stateDir);
        Path path = stateDir.resolve(FILE_NAME);
        FileChannel channel = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            throw new IOException("state folder " + stateDir + " is in use by another running collector (" + path
                    + " is locked); give each collector its own --state-dir");
        }
        PublishedLedger ledger = new PublishedLedger(path, channel, lock);
        ledger.load();
        return ledger;
    }

    private void load() throws IOException {
        byte[] content = Files.readAllBytes(path);
        String text = new String(content, StandardCharsets.US_ASCII);
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String entry = lines[i].strip();
            if (entry.isEmpty()) {
                continue;
            }
            // The part after the last newline is a line torn by a crash (even one that looks whole, since its VM id
            // may be cut short): that report was not confirmed here, so it will be sent again.
            boolean torn = i == lines.length - 1;
            if (!torn && LINE.matcher(entry).matches()) {
                published.add(entry);
            } else {
                LOG.warn("ignoring line {} of {}: '{}' is {}", i + 1, path,
                        entry.length() > 80 ? entry.substring(0, 80) + "..." : entry,
                        torn ? "cut short (no newline after it)" : "not 'reportId vmId'");
            }
        }
        if (content.length > 0 && content[content.length - 1] != '\n') {
            // Start the next id on a line of its own.
            write("\n");
        }
        LOG.info("ledger {}: {} report(s) already published", path, published.size());
    }

    /** Whether {@code reportId} was published for {@code vmId} (or, by a ledger of bare ids, for any VM). */
    public boolean contains(String vmId, String reportId) {
        return published.contains(entry(vmId, reportId)) || published.contains(reportId);
    }

    public int size() {
        return published.size();
    }

    /**
     * Remembers {@code reportId} as published for {@code vmId}, durably before returning.
     *
     * @throws UncheckedIOException when the file cannot be written; the id is still remembered until exit
     */
    public synchronized void record(String vmId, String reportId) {
        String entry = entry(vmId, reportId);
        if (!published.add(entry) || file == null) {
            return;
        }
        try {
            write(entry + "\n");
        } catch (IOException e) {
            throw new UncheckedIOException("could not record report " + reportId + " in " + path
                    + "; it may be sent again after a restart: " + e.getMessage(), e);
        }
    }

    private static String entry(String vmId, String reportId) {
        if (!REPORT_ID.matcher(reportId).matches()) {
            throw new IllegalArgumentException("not a report id (64 lowercase hex digits): " + reportId);
        }
        if (vmId == null || vmId.isEmpty() || vmId.chars().anyMatch(c -> Character.isWhitespace(c)
                || Character.isISOControl(c))) {
            throw new IllegalArgumentException("not a VM id (empty, or with spaces or control characters): '"
                    + vmId + "'");
        }
        return reportId + ' ' + vmId;
    }

    private void write(String text) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        while (bytes.hasRemaining()) {
            file.write(bytes);
        }
        file.force(false);
    }

    @Override
    public synchronized void close() throws IOException {
        if (file != null && file.isOpen()) {
            lock.release();
            file.close();
        }
    }
}
