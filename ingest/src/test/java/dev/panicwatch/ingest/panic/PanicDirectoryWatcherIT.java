package dev.panicwatch.ingest.panic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The watcher on a real folder and the real broker: a report already there, one copied in slowly, and one added after
 * a restart — each in Kafka exactly once, and never as a half-written file.
 */
@IntegrationTest
class PanicDirectoryWatcherIT {

    @Test
    void publishesEachReportOnceAcrossARestart(StackEndpoints stack, @TempDir Path dir) throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        Path reports = Files.createDirectories(dir.resolve("DiagnosticReports"));
        Path state = dir.resolve("state");
        String vm = "watch-" + UUID.randomUUID().toString().substring(0, 8) + "/104";
        byte[] existing = SampleReports.seed("pve1-101-tlb-flush-timeout.panic");
        byte[] slow = SampleReports.seed("pve1-103-spinlock-timeout.panic");
        byte[] later = SampleReports.seed("pve1-102-tlb-flush-timeout.panic");
        Files.write(reports.resolve("Kernel-2026-03-02-091437.panic"), existing);
        Files.setLastModifiedTime(reports.resolve("Kernel-2026-03-02-091437.panic"),
                FileTime.from(Instant.now().minusSeconds(3600)));

        KafkaConnection connection = KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl());
        PanicDirectoryWatcher.Settings settings = new PanicDirectoryWatcher.Settings(reports,
                new VmIdentity(vm, "pve1", null, "keepsyms=1"), PanicDirectoryWatcher.DEFAULT_PATTERNS,
                Duration.ofMillis(1500), Duration.ofSeconds(1), Duration.ofSeconds(30));

        try (IdempotentPublisher producer = IdempotentPublisher.create(connection)) {
            try (PublishedLedger ledger = PublishedLedger.open(state)) {
                PanicDirectoryWatcher watcher = new PanicDirectoryWatcher(settings, new PanicReportFactory(),
                        new PanicReportPublisher(producer, ledger), Clock.systemUTC());
                Thread running = start(watcher);
                await().atMost(Duration.ofSeconds(30)).until(() -> watcher.published() == 1);

                // A copy that stalls half-way for longer than a rescan, but shorter than the settle time.
                try (OutputStream out = Files.newOutputStream(reports.resolve("panic-full-2026-03-02-094418.ips"))) {
                    out.write(Arrays.copyOf(slow, slow.length / 2));
                    out.flush();
                    Thread.sleep(1200); // simulates the slow writer, not a wait for the watcher
                    out.write(slow, slow.length / 2, slow.length - slow.length / 2);
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> watcher.published() == 2);
                watcher.close();
                running.join(10_000);
            }

            // Restart: same state folder, one new report.
            Files.write(reports.resolve("Kernel-2026-03-02-092952.panic"), later);
            try (PublishedLedger ledger = PublishedLedger.open(state)) {
                PanicDirectoryWatcher watcher = new PanicDirectoryWatcher(settings, new PanicReportFactory(),
                        new PanicReportPublisher(producer, ledger), Clock.systemUTC());
                Thread running = start(watcher);
                await().atMost(Duration.ofSeconds(30)).until(() -> watcher.published() == 1);
                watcher.close();
                running.join(10_000);
            }
        }

        List<ConsumerRecord<String, PanicReport>> records = TopicFixture.readAll(stack.clientConfig(),
                Topics.PANIC_REPORTS, PanicReport.class).stream().filter(r -> r.key().equals(vm)).toList();
        Map<String, Long> copies = records.stream()
                .collect(Collectors.groupingBy(r -> r.value().getReportId(), Collectors.counting()));
        // The three whole files, once each; the half-written one never.
        assertThat(copies).containsOnlyKeys(PanicReportFactory.reportId(existing), PanicReportFactory.reportId(slow),
                PanicReportFactory.reportId(later));
        assertThat(copies.values()).containsOnly(1L);
        PanicReport spinlock = records.stream().map(ConsumerRecord::value)
                .filter(r -> r.getReportId().equals(PanicReportFactory.reportId(slow))).findFirst().orElseThrow();
        // The report's own "Boot args: keepsyms=1 tlbto_us=0" line wins over the watcher's --boot-args keepsyms=1.
        assertThat(spinlock.getBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0");
        assertThat(spinlock.getHostId()).isEqualTo("pve1");
    }

    private static Thread start(PanicDirectoryWatcher watcher) {
        Thread thread = new Thread(() -> {
            try {
                watcher.run();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "watcher");
        thread.start();
        return thread;
    }
}
