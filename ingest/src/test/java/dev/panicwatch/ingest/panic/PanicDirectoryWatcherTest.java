package dev.panicwatch.ingest.panic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.testing.MutableClock;
import dev.panicwatch.ingest.testing.RecordingPublisher;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.schemas.PanicReport;

/** The watcher's decisions, one {@code scanOnce()} at a time, on a clock the test moves. */
class PanicDirectoryWatcherTest {

    private static final Instant START = Instant.parse("2026-03-02T09:30:00Z");
    private static final Duration SETTLE = Duration.ofSeconds(2);

    @TempDir
    Path folder;

    private final MutableClock clock = new MutableClock(START);
    private final RecordingPublisher kafka = new RecordingPublisher();
    private final PublishedLedger ledger = PublishedLedger.inMemory();

    private PanicDirectoryWatcher watcher() {
        PanicDirectoryWatcher.Settings settings = new PanicDirectoryWatcher.Settings(folder,
                new VmIdentity("pve1/101", "pve1", null, "keepsyms=1"), PanicDirectoryWatcher.DEFAULT_PATTERNS,
                SETTLE, Duration.ofSeconds(10), Duration.ofSeconds(5));
        return new PanicDirectoryWatcher(settings, new PanicReportFactory(), new PanicReportPublisher(kafka, ledger),
                clock);
    }

    private Path write(String name, byte[] content, Instant modified) throws IOException {
        Path file = folder.resolve(name);
        Files.write(file, content);
        Files.setLastModifiedTime(file, FileTime.from(modified));
        return file;
    }

    private List<String> publishedIds() {
        return kafka.sent().stream().map(s -> ((PanicReport) s.value()).getReportId()).toList();
    }

    @Test
    void publishesFilesThatWereThereBeforeItStarted() throws IOException {
        byte[] report = SampleReports.tlbFlush(1, "keepsyms=1");
        write("Kernel-2026-03-02-091437.panic", report, START.minus(Duration.ofHours(1)));

        watcher().scanOnce();

        assertThat(publishedIds()).containsExactly(PanicReportFactory.reportId(report));
        // The report states no time of its own, so the file's mtime is the panic time.
        assertThat(((PanicReport) kafka.sent().get(0).value()).getPanicTime()).isEqualTo(START.minus(Duration.ofHours(1)));
    }

    @Test
    void waitsUntilAFileHasStoodStillForTheSettleTime() throws IOException {
        PanicDirectoryWatcher watcher = watcher();
        byte[] report = SampleReports.tlbFlush(1, "keepsyms=1");
        // Being copied: the first half, just modified.
        Path file = write("panic-full-2026-03-02-093000.ips", java.util.Arrays.copyOf(report, 100), START);
        assertThat(watcher.scanOnce()).as("still settling").isTrue();
        assertThat(kafka.sent()).isEmpty();

        // One second later the copy finished (size and mtime change): the settle time starts again.
        clock.advance(Duration.ofSeconds(1));
        Files.write(file, report);
        Files.setLastModifiedTime(file, FileTime.from(clock.instant()));
        assertThat(watcher.scanOnce()).isTrue();
        clock.advance(Duration.ofMillis(1999));
        assertThat(watcher.scanOnce()).isTrue();
        assertThat(kafka.sent()).isEmpty();

        // 2 s after the last change: published whole, with the id of the complete file.
        clock.advance(Duration.ofMillis(1));
        assertThat(watcher.scanOnce()).isFalse();
        assertThat(publishedIds()).containsExactly(PanicReportFactory.reportId(report));
    }

    @Test
    void publishesEachFileOnceAcrossScansAndRestarts() throws IOException {
        write("a.panic", SampleReports.tlbFlush(1, null), START.minusSeconds(60));
        PanicDirectoryWatcher first = watcher();
        first.scanOnce();
        first.scanOnce();
        assertThat(kafka.sent()).hasSize(1);

        // A new watcher with the same ledger (a restart) sends nothing again, but picks up a new file.
        write("b.panic", SampleReports.tlbFlush(2, null), START.minusSeconds(30));
        watcher().scanOnce();
        assertThat(publishedIds()).containsExactly(PanicReportFactory.reportId(SampleReports.tlbFlush(1, null)),
                PanicReportFactory.reportId(SampleReports.tlbFlush(2, null)));
    }

    @Test
    void skipsFilesWithoutAPanicUntilTheyChange() throws IOException {
        PanicDirectoryWatcher watcher = watcher();
        Path file = write("notes.panic", "just a note\n".getBytes(StandardCharsets.UTF_8), START.minusSeconds(60));
        watcher.scanOnce();
        watcher.scanOnce();
        assertThat(kafka.sent()).isEmpty();

        // Someone pastes a real report into it: the watcher looks again.
        byte[] report = SampleReports.tlbFlush(3, null);
        Files.write(file, report);
        Files.setLastModifiedTime(file, FileTime.from(START.minusSeconds(10)));
        watcher.scanOnce();
        clock.advance(SETTLE);
        watcher.scanOnce();
        assertThat(publishedIds()).containsExactly(PanicReportFactory.reportId(report));
    }

    @Test
    void onlyPublishesNamesThatMatchThePatterns() throws IOException {
        Instant old = START.minusSeconds(60);
        write("Kernel-2026-03-02.panic", SampleReports.tlbFlush(1, null), old);
        write("panic-full-2026-03-02-093000.ips", SampleReports.tlbFlush(2, null), old);
        write("Safari-2026-03-02-093000.ips", SampleReports.tlbFlush(3, null), old);
        write("notes.txt", SampleReports.tlbFlush(4, null), old);
        write(".Kernel-2026-03-02.panic.rsync-tmp", SampleReports.tlbFlush(5, null), old);
        write(".hidden.panic", SampleReports.tlbFlush(6, null), old);

        watcher().scanOnce();

        // *.panic and panic-*.ips match; other .ips, .txt and dot files do not.
        assertThat(publishedIds()).containsExactlyInAnyOrder(
                PanicReportFactory.reportId(SampleReports.tlbFlush(1, null)),
                PanicReportFactory.reportId(SampleReports.tlbFlush(2, null)));
    }

    @Test
    void keepsAFileWhileKafkaFailsAndPublishesItLater() throws IOException {
        byte[] report = SampleReports.tlbFlush(1, null);
        write("a.panic", report, START.minusSeconds(60));
        write("b.panic", SampleReports.tlbFlush(2, null), START.minusSeconds(60));
        PanicDirectoryWatcher watcher = watcher();

        kafka.mode(RecordingPublisher.Mode.FAIL);
        watcher.scanOnce();
        // After the first failure the other file is not even tried in this round.
        assertThat(kafka.sent()).hasSize(1);
        assertThat(ledger.size()).isZero();

        kafka.mode(RecordingPublisher.Mode.ACKNOWLEDGE);
        watcher.scanOnce();
        assertThat(ledger.contains("pve1/101", PanicReportFactory.reportId(report))).isTrue();
        assertThat(ledger.contains("pve1/101", PanicReportFactory.reportId(SampleReports.tlbFlush(2, null)))).isTrue();
        assertThat(watcher.published()).isEqualTo(2);
    }

    @Test
    void anUnreadableFileDoesNotHoldUpTheOthers() throws IOException {
        Path locked = write("a.panic", SampleReports.tlbFlush(1, null), START.minusSeconds(60));
        byte[] readable = SampleReports.tlbFlush(2, null);
        write("b.panic", readable, START.minusSeconds(60));
        locked.toFile().setReadable(false);
        try {
            org.junit.jupiter.api.Assumptions.assumeFalse(Files.isReadable(locked), "running as root: cannot lock");
            watcher().scanOnce();
            assertThat(publishedIds()).containsExactly(PanicReportFactory.reportId(readable));
        } finally {
            locked.toFile().setReadable(true);
        }
    }

    @Test
    void aFileThatGrowsAfterPublishingIsANewReport() throws IOException {
        PanicDirectoryWatcher watcher = watcher();
        byte[] report = SampleReports.tlbFlush(1, null);
        Path file = write("a.panic", report, START.minusSeconds(60));
        watcher.scanOnce();
        Files.write(file, "\nmore\n".getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Files.setLastModifiedTime(file, FileTime.from(START.minusSeconds(30)));
        // The change is seen now, so the settle time counts from now.
        watcher.scanOnce();
        assertThat(kafka.sent()).hasSize(1);
        clock.advance(SETTLE);
        watcher.scanOnce();
        assertThat(kafka.sent()).hasSize(2);
    }

    @Test
    void aMissingFolderIsAClearError() {
        Path missing = folder.resolve("nope");
        assertThatThrownBy(() -> new PanicDirectoryWatcher(PanicDirectoryWatcher.Settings.defaults(missing,
                VmIdentity.of("pve1/101")), new PanicReportFactory(), new PanicReportPublisher(kafka, ledger), clock))
                .hasMessageContaining("does not exist");
    }
}
