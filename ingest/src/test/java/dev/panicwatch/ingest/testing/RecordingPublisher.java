package dev.panicwatch.ingest.testing;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

import dev.panicwatch.ingest.publish.RecordPublisher;

/**
 * A {@link RecordPublisher} for unit tests: records every publish and either acknowledges it at once, fails it, or
 * leaves it pending for the test to complete.
 */
public final class RecordingPublisher implements RecordPublisher {

    public enum Mode { ACKNOWLEDGE, FAIL, HOLD }

    public record Sent(String topic, String key, SpecificRecord value, Instant timestamp,
                       CompletableFuture<RecordMetadata> future) {
    }

    private final List<Sent> sent = new ArrayList<>();
    private volatile Mode mode = Mode.ACKNOWLEDGE;

    public void mode(Mode mode) {
        this.mode = mode;
    }

    @Override
    public synchronized CompletableFuture<RecordMetadata> publish(String topic, String key, SpecificRecord value,
                                                                  Instant timestamp) {
        CompletableFuture<RecordMetadata> future = new CompletableFuture<>();
        sent.add(new Sent(topic, key, value, timestamp, future));
        switch (mode) {
            case ACKNOWLEDGE -> future.complete(metadata(topic, sent.size() - 1));
            case FAIL -> future.completeExceptionally(
                    new org.apache.kafka.common.errors.TimeoutException("broker unreachable (test)"));
            case HOLD -> { }
        }
        return future;
    }

    public static RecordMetadata metadata(String topic, long offset) {
        return new RecordMetadata(new TopicPartition(topic, 0), offset, 0, 0L, 0, 0);
    }

    public synchronized List<Sent> sent() {
        return List.copyOf(sent);
    }

    public synchronized List<Sent> sentTo(String topic) {
        return sent.stream().filter(s -> s.topic().equals(topic)).toList();
    }
}
