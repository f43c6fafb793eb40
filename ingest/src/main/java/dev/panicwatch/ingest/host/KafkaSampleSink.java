package dev.panicwatch.ingest.host;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.kafka.ProducerSettings;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.Topics;

/**
 * Delivers samples to {@link Topics#HOST_LOAD} through the collectors' one producer ({@link IdempotentPublisher}),
 * key = vmId. Its settings differ only in timing: {@code send()} blocks at most 5 s while the broker is unknown, so
 * the publishing thread retries later instead of stalling, and batches linger a little longer (a round's samples
 * leave together).
 */
public final class KafkaSampleSink implements SampleSink {

    private static final ProducerSettings SETTINGS = ProducerSettings.forClient("panicwatch-host-sampler")
            .deliveryTimeout(Duration.ofSeconds(30))
            .maxBlock(Duration.ofSeconds(5))
            .requestTimeout(Duration.ofSeconds(10))
            .linger(Duration.ofMillis(50))
            // Nobody waits for a sample; during a long outage a reconnect every 10 s at most is enough.
            .reconnectBackoffMax(Duration.ofSeconds(10));
    /** What the publisher should wait for a batch: the producer has given up on every record by then. */
    public static final Duration BATCH_TIMEOUT = SETTINGS.longestDelivery().plusSeconds(5);

    private final IdempotentPublisher publisher;

    public KafkaSampleSink(KafkaConnection connection) {
        this.publisher = IdempotentPublisher.create(connection, SETTINGS);
    }

    @Override
    public CompletableFuture<Void> send(HostLoadSample sample) {
        return publisher.publish(Topics.HOST_LOAD, sample.getVmId(), sample).thenApply(metadata -> null);
    }

    @Override
    public void close() {
        publisher.close(Duration.ofSeconds(5));
    }
}
