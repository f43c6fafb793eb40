package dev.panicwatch.ingest.panic;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.testing.RecordingPublisher;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;

class PanicReportPublisherTest {

    private static final Instant T = Instant.parse("2026-03-02T09:14:37Z");
    private final RecordingPublisher kafka = new RecordingPublisher();
    private final PublishedLedger ledger = PublishedLedger.inMemory();
    private final PanicReportPublisher publisher = new PanicReportPublisher(kafka, ledger);
    private final PanicReport report = SampleReports.published(SampleReports.tlbFlush(1, "keepsyms=1"), "pve1/101", T);

    @Test
    void publishesToPanicReportsKeyedByVm() {
        PanicReportPublisher.Publication publication = publisher.publish(report).join();
        assertThat(publication).isEqualTo(new PanicReportPublisher.Publication(report.getReportId(), false));
        assertThat(kafka.sent()).singleElement().satisfies(sent -> {
            assertThat(sent.topic()).isEqualTo(Topics.PANIC_REPORTS);
            assertThat(sent.key()).isEqualTo("pve1/101");
        });
    }

    @Test
    void aPublishedReportIsNotSentAgain() {
        publisher.publish(report).join();
        PanicReportPublisher.Publication again = publisher.publish(report).join();
        assertThat(again.duplicate()).isTrue();
        assertThat(kafka.sent()).hasSize(1);
    }

    @Test
    void theSameReportTextForAnotherVmIsThatVmsReport() {
        publisher.publish(report).join();
        PanicReport otherVm = PanicReport.newBuilder(report).setVmId("pve1/102").build();
        assertThat(publisher.publish(otherVm).join().duplicate()).isFalse();
        assertThat(publisher.publish(otherVm).join().duplicate()).isTrue();
        assertThat(kafka.sent()).extracting(RecordingPublisher.Sent::key).containsExactly("pve1/101", "pve1/102");
    }

    @Test
    void theLedgerIsWrittenOnlyAfterKafkaAcknowledged() {
        kafka.mode(RecordingPublisher.Mode.HOLD);
        CompletableFuture<PanicReportPublisher.Publication> pending = publisher.publish(report);
        assertThat(ledger.contains(report.getVmId(), report.getReportId())).isFalse();
        assertThat(pending).isNotDone();

        kafka.sent().get(0).future().complete(RecordingPublisher.metadata(Topics.PANIC_REPORTS, 0));
        assertThat(pending).isCompleted();
        assertThat(ledger.contains(report.getVmId(), report.getReportId())).isTrue();
    }

    @Test
    void twoSendersOfTheSameReportShareOneSend() {
        kafka.mode(RecordingPublisher.Mode.HOLD);
        CompletableFuture<PanicReportPublisher.Publication> first = publisher.publish(report);
        CompletableFuture<PanicReportPublisher.Publication> second = publisher.publish(report);
        assertThat(kafka.sent()).hasSize(1);
        assertThat(second).isNotDone();

        kafka.sent().get(0).future().complete(RecordingPublisher.metadata(Topics.PANIC_REPORTS, 0));
        assertThat(first.join().duplicate()).isFalse();
        assertThat(second.join().duplicate()).isTrue();
    }

    @Test
    void aRestartedCollectorDoesNotSendAgain(@TempDir Path state) throws Exception {
        try (PublishedLedger durable = PublishedLedger.open(state)) {
            assertThat(new PanicReportPublisher(kafka, durable).publish(report).join().duplicate()).isFalse();
        }
        // The process is gone; a new one opens the same state folder and is handed the same report.
        try (PublishedLedger reopened = PublishedLedger.open(state)) {
            assertThat(new PanicReportPublisher(kafka, reopened).publish(report).join().duplicate()).isTrue();
        }
        assertThat(kafka.sent()).hasSize(1);
    }

    @Test
    void aFailedSendIsNotRememberedSoItCanBeRetried() {
        kafka.mode(RecordingPublisher.Mode.FAIL);
        assertThat(publisher.publish(report)).isCompletedExceptionally();
        assertThat(ledger.contains(report.getVmId(), report.getReportId())).isFalse();

        kafka.mode(RecordingPublisher.Mode.ACKNOWLEDGE);
        assertThat(publisher.publish(report).join().duplicate()).isFalse();
        assertThat(kafka.sent()).hasSize(2);
    }
}
