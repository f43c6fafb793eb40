package dev.panicwatch.ingest.publish;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Sends one Avro record to a topic. The future completes only once Kafka has acknowledged the record (acks=all), and
 * fails with the reason when it could not be delivered; callers acknowledge their own senders only after that.
 */
public interface RecordPublisher {

    /**
     * @param timestamp the Kafka record timestamp, or null for the time of sending
     */
    CompletableFuture<RecordMetadata> publish(String topic, String key, SpecificRecord value, Instant timestamp);

    default CompletableFuture<RecordMetadata> publish(String topic, String key, SpecificRecord value) {
        return publish(topic, key, value, null);
    }
}
