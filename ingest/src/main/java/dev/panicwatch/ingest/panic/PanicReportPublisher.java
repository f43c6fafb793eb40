package dev.panicwatch.ingest.panic;

import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.ingest.publish.RecordPublisher;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;

/**
 * Publishes each report once per VM: a report whose id is in the {@link PublishedLedger} for its VM is answered as a
 * duplicate without sending, and two senders of the same report at the same moment share one send. The ledger is written after Kafka's
 * acknowledgement, and only then does the returned future complete.
 */
public final class PanicReportPublisher {

    private static final Logger LOG = LoggerFactory.getLogger(PanicReportPublisher.class);

    /** The outcome the sender is told: which report, and whether it had been published before. */
    public record Publication(String reportId, boolean duplicate) {
    }

    private final RecordPublisher publisher;
    private final PublishedLedger ledger;
    private final Map<String, CompletableFuture<Publication>> inFlight = new HashMap<>();

    public PanicReportPublisher(RecordPublisher publisher, PublishedLedger ledger) {
        this.publisher = publisher;
        this.ledger = ledger;
    }

    /** Completes when the report is in Kafka (now or earlier); fails with Kafka's error when it could not be sent. */
    public CompletableFuture<Publication> publish(PanicReport report) {
        String id = report.getReportId();
        String vm = report.getVmId();
        String sending = id + ' ' + vm;
        CompletableFuture<Publication> mine;
        synchronized (this) {
            if (ledger.contains(vm, id)) {
                return CompletableFuture.completedFuture(new Publication(id, true));
            }
            CompletableFuture<Publication> running = inFlight.get(sending);
            if (running != null) {
                return running.thenApply(p -> new Publication(id, true));
            }
            mine = new CompletableFuture<>();
            inFlight.put(sending, mine);
        }
        publisher.publish(Topics.PANIC_REPORTS, report.getVmId(), report).whenComplete((metadata, error) -> {
            if (error == null) {
                try {
                    ledger.record(vm, id);
                } catch (UncheckedIOException e) {
                    // Kafka has the report, so the sender may be told so; a later re-send is deduped downstream.
                    LOG.error("{}", e.getMessage());
                }
            }
            synchronized (this) {
                inFlight.remove(sending);
            }
            if (error == null) {
                String panic = report.getPanicString();
                LOG.info("published panic report {} of VM {} ({}; partition {}, offset {})", id, report.getVmId(),
                        panic.length() > 100 ? panic.substring(0, 100) + "…" : panic, metadata.partition(),
                        metadata.offset());
                mine.complete(new Publication(id, false));
            } else {
                mine.completeExceptionally(error);
            }
        });
        return mine;
    }
}
