package dev.panicwatch.ingest.panic;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.diagnosis.parse.UnparseableReportException;
import dev.panicwatch.schemas.PanicReport;

/**
 * Publishes the panic reports that appear in one folder (a guest's DiagnosticReports synced to the host, say), once
 * each. New files are noticed through the platform's {@link WatchService} and, because that misses events on network
 * and FUSE mounts, by a full rescan every {@code rescanInterval}. A file is read only once its size and modification
 * time have stood still for {@code settle}, so a report still being copied is not published half-written (which would
 * give it a different reportId from the finished file).
 *
 * <p>Failures never stop the watcher: a file without a panic is logged once and skipped (again only if it changes);
 * while Kafka is unreachable the file stays pending and is retried at the next rescan — it is on disk, nothing is lost.
 */
public final class PanicDirectoryWatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PanicDirectoryWatcher.class);

    /** Legacy reports ({@code Kernel-….panic}, {@code ….panic}) and the JSON {@code panic-full-….ips} / {@code panic-base-….ips}. */
    public static final List<String> DEFAULT_PATTERNS = List.of("*.panic", "panic-*.ips");
    /** A bigger file is not a panic report (full reports with a stackshot stay well below this). */
    static final long MAX_FILE_BYTES = 16L * 1024 * 1024;

    /**
     * @param folder         the folder to watch (not its subfolders)
     * @param vm             whose reports land there
     * @param patterns       glob patterns of file names to publish
     * @param settle         how long size and mtime must stand still before a file is read
     * @param rescanInterval how often the whole folder is listed anyway (and pending files retried)
     * @param ackTimeout     how long to wait for Kafka per file before leaving it for the next round
     */
    public record Settings(Path folder, VmIdentity vm, List<String> patterns, Duration settle, Duration rescanInterval,
                           Duration ackTimeout) {
        public Settings {
            if (patterns.isEmpty()) {
                throw new IllegalArgumentException("at least one file name pattern is needed");
            }
            patterns = List.copyOf(patterns);
        }

        public static Settings defaults(Path folder, VmIdentity vm) {
            return new Settings(folder, vm, DEFAULT_PATTERNS, Duration.ofSeconds(2), Duration.ofSeconds(10),
                    Duration.ofSeconds(60));
        }
    }

    /**
     * What became of a file in one round. RETRY: Kafka did not take it (the other files wait for the next round too);
     * UNREADABLE: the file could not be read (tried again next round, without holding up the others).
     */
    enum State { SETTLING, PUBLISHED, SKIPPED, RETRY, UNREADABLE }

    /** What the watcher knows about one file: the size and mtime it last saw, since when, and what it did. */
    private static final class Tracked {
        long size;
        Instant modified;
        Instant lastChangeSeen;
        State state = State.SETTLING;
    }

    private final Settings settings;
    private final PanicReportFactory factory;
    private final PanicReportPublisher publisher;
    private final Clock clock;
    private final List<PathMatcher> matchers;
    private final Map<Path, Tracked> files = new HashMap<>();
    private volatile boolean closed;
    private volatile WatchService watchService;
    // Written by the watching thread only; read by others (tests, status).
    private volatile long published;
    private volatile long duplicates;

    public PanicDirectoryWatcher(Settings settings, PanicReportFactory factory, PanicReportPublisher publisher,
                                 Clock clock) {
        if (!Files.isDirectory(settings.folder())) {
            throw new IllegalArgumentException("panic report folder " + settings.folder() + " does not exist or is not "
                    + "a folder");
        }
        this.settings = settings;
        this.factory = factory;
        this.publisher = publisher;
        this.clock = clock;
        this.matchers = settings.patterns().stream()
                .map(p -> FileSystems.getDefault().getPathMatcher("glob:" + p)).toList();
    }

    /** Watches until {@link #close()} (or interruption). Never throws for a bad file or an unreachable Kafka. */
    public void run() throws IOException {
        try (WatchService watcher = FileSystems.getDefault().newWatchService()) {
            watchService = watcher;
            settings.folder().register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_MODIFY);
            LOG.info("watching {} for {} (VM {}); rescan every {} s", settings.folder(), settings.patterns(),
                    settings.vm().vmId(), settings.rescanInterval().toSeconds());
            while (!closed) {
                boolean settling = scanOnce();
                // A file still being written is looked at again soon; otherwise wait for an event or the rescan.
                Duration wait = settling ? settings.settle().dividedBy(2).plusMillis(50) : settings.rescanInterval();
                WatchKey key = watcher.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
                if (key != null) {
                    key.pollEvents();
                    key.reset();
                }
            }
        } catch (ClosedWatchServiceException | InterruptedException stopped) {
            if (stopped instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        } finally {
            LOG.info("stopped watching {}: {} published, {} already published before", settings.folder(), published,
                    duplicates);
        }
    }

    /**
     * Looks at every matching file once and publishes those that have settled.
     *
     * @return whether some file is still settling (so the caller should look again soon)
     */
    public boolean scanOnce() {
        boolean settling = false;
        boolean kafkaFailing = false;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(settings.folder(), this::matches)) {
            for (Path file : entries) {
                if (closed) {
                    break;
                }
                State state = look(file, kafkaFailing);
                settling |= state == State.SETTLING;
                kafkaFailing |= state == State.RETRY;
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not list {}: {}; trying again at the next rescan", settings.folder(), e.toString());
        }
        files.keySet().removeIf(p -> !Files.exists(p));
        return settling;
    }

    private boolean matches(Path path) {
        Path name = path.getFileName();
        // Dot files are editors' and rsync's temporary copies.
        return name != null && !name.toString().startsWith(".") && matchers.stream().anyMatch(m -> m.matches(name));
    }

    private State look(Path file, boolean kafkaFailing) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException gone) {
            files.remove(file);
            return State.SKIPPED;
        } catch (IOException e) {
            LOG.warn("cannot read attributes of {}: {}", file, e.toString());
            return State.UNREADABLE;
        }
        if (!attributes.isRegularFile()) {
            return State.SKIPPED;
        }
        Instant now = clock.instant();
        Instant modified = attributes.lastModifiedTime().toInstant();
        Tracked tracked = files.computeIfAbsent(file, p -> new Tracked());
        if (tracked.modified == null || tracked.size != attributes.size() || !tracked.modified.equals(modified)) {
            boolean known = tracked.modified != null;
            tracked.size = attributes.size();
            tracked.modified = modified;
            tracked.lastChangeSeen = known ? now : modified;
            if (tracked.state == State.PUBLISHED || tracked.state == State.SKIPPED) {
                LOG.info("{} changed after it was handled; looking at it again", file);
            }
            tracked.state = State.SETTLING;
        }
        if (tracked.state == State.PUBLISHED || tracked.state == State.SKIPPED) {
            return tracked.state;
        }
        Instant quietSince = tracked.lastChangeSeen.isAfter(modified) ? tracked.lastChangeSeen : modified;
        if (Duration.between(quietSince, now).compareTo(settings.settle()) < 0) {
            return State.SETTLING;
        }
        if (kafkaFailing) {
            // Kafka just failed for another file; spare the wait and retry everything at the next rescan.
            tracked.state = State.RETRY;
            return State.RETRY;
        }
        tracked.state = handle(file, attributes, now);
        return tracked.state;
    }

    private State handle(Path file, BasicFileAttributes attributes, Instant now) {
        if (attributes.size() > MAX_FILE_BYTES) {
            LOG.warn("skipping {}: {} bytes is too large for a panic report (limit {} bytes)", file, attributes.size(),
                    MAX_FILE_BYTES);
            return State.SKIPPED;
        }
        PanicReport report;
        try {
            byte[] raw = Files.readAllBytes(file);
            if (raw.length == 0) {
                LOG.warn("skipping {}: the file is empty", file);
                return State.SKIPPED;
            }
            report = factory.create(raw, settings.vm(), attributes.lastModifiedTime().toInstant(), now);
        } catch (UnparseableReportException e) {
            LOG.warn("skipping {}: not a panic report: {}", file, e.getMessage());
            return State.SKIPPED;
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}; retrying at the next rescan", file, e.toString());
            return State.UNREADABLE;
        }
        try {
            PanicReportPublisher.Publication publication = publisher.publish(report)
                    .get(settings.ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
            if (publication.duplicate()) {
                duplicates++;
                LOG.debug("{} was published before (report {})", file, publication.reportId());
            } else {
                published++;
                LOG.info("published {} as report {}", file, publication.reportId());
            }
            return State.PUBLISHED;
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.warn("could not publish {} ({}); it stays on disk and is retried in {} s", file, cause.toString(),
                    settings.rescanInterval().toSeconds());
            return State.RETRY;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closed = true;
            return State.RETRY;
        }
    }

    /** Files published by this watcher since it started (not counting ones published by an earlier run). */
    public long published() {
        return published;
    }

    @Override
    public void close() {
        closed = true;
        WatchService service = watchService;
        if (service != null) {
            try {
                service.close();
            } catch (IOException e) {
                LOG.debug("closing the watch service: {}", e.toString());
            }
        }
    }
}
