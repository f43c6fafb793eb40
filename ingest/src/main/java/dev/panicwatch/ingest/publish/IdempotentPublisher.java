package dev.panicwatch.ingest.publish;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.kafka.ProducerSettings;
import dev.panicwatch.kafka.registry.AvroSerde;

/**
 * The one Kafka producer of the collectors (HTTP receiver, directory watcher, host sampler, replay): idempotent,
 * {@code acks=all}, String keys, Avro values in the Confluent wire format, its settings from {@link ProducerSettings}.
 * Values are serialized in the caller's thread, so a registry that cannot be reached fails that one publish (as a
 * failed future) instead of surfacing later inside the producer.
 *
 * <p>Kafka's client reconnects on its own; a producer that has failed for good (a fatal error of the idempotent
 * producer) is closed and replaced at the next publish, so a long-running collector recovers without a restart.
 */
public final class IdempotentPublisher implements RecordPublisher, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IdempotentPublisher.class);

    /** How long a record may take to be acknowledged before the publish fails (and the sender is told to retry). */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = ProducerSettings.DEFAULT_DELIVERY_TIMEOUT;

    private final Supplier<Producer<String, byte[]>> newProducer;
    private final Map<String, Object> registryConfig;
    private final Map<Class<?>, Serializer<SpecificRecord>> serializers = new ConcurrentHashMap<>();
    private Producer<String, byte[]> producer;

    IdempotentPublisher(Supplier<Producer<String, byte[]>> newProducer, Map<String, Object> registryConfig) {
        this.newProducer = newProducer;
        this.registryConfig = registryConfig;
        this.producer = newProducer.get();
    }

    public static IdempotentPublisher create(KafkaConnection connection) {
        return create(connection, DEFAULT_DELIVERY_TIMEOUT);
    }

    /**
     * @param deliveryTimeout upper bound for one record from send to acknowledgement, including the wait for a
     *                        broker that is down (the HTTP receiver keeps it short so its senders get a prompt 503)
     */
    public static IdempotentPublisher create(KafkaConnection connection, Duration deliveryTimeout) {
        return create(connection, ProducerSettings.forClient("panicwatch-ingest").deliveryTimeout(deliveryTimeout));
    }

    /** A publisher with the producer settings a collector chose (the host sampler's shorter blocking, say). */
    public static IdempotentPublisher create(KafkaConnection connection, ProducerSettings settings) {
        Map<String, Object> config = settings.build(connection);
        return new IdempotentPublisher(() -> new KafkaProducer<>(config, new StringSerializer(), new ByteArraySerializer()),
                connection.clientConfig());
    }

    @Override
    public CompletableFuture<RecordMetadata> publish(String topic, String key, SpecificRecord value, Instant timestamp) {
        CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
        Producer<String, byte[]> sender = null;
        try {
            byte[] bytes = serializer(value.getClass()).serialize(topic, value);
            Long millis = timestamp == null ? null : timestamp.toEpochMilli();
            sender = producer();
            sender.send(new ProducerRecord<>(topic, null, millis, key, bytes), (metadata, error) -> {
                if (error != null) {
                    acknowledged.completeExceptionally(error);
                } else {
                    acknowledged.complete(metadata);
                }
            });
        } catch (SerializationException | RetriableException e) {
            // The registry is unreachable, or the broker's metadata did not arrive in time: the caller retries later.
            acknowledged.completeExceptionally(e);
        } catch (KafkaException | IllegalStateException e) {
            // Fatal for this producer instance (e.g. the idempotent producer's sequence state is lost): replace it.
            LOG.warn("Kafka producer failed ({}); replacing it", e.toString());
            discard(sender);
            acknowledged.completeExceptionally(e);
        } catch (RuntimeException e) {
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }

    private synchronized Producer<String, byte[]> producer() {
        if (producer == null) {
            producer = newProducer.get();
            LOG.info("started a new Kafka producer after the previous one failed");
        }
        return producer;
    }

    /** Closes {@code failed} unless another thread has already replaced it. */
    private synchronized void discard(Producer<String, byte[]> failed) {
        if (failed != null && producer == failed) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing the failed producer: {}", e.toString());
            }
            producer = null;
        }
    }

    @SuppressWarnings("unchecked")
    private Serializer<SpecificRecord> serializer(Class<?> type) {
        return serializers.computeIfAbsent(type,
                t -> AvroSerde.forType((Class<SpecificRecord>) t, registryConfig).serializer());
    }

    /** Waits up to {@code timeout} for records in flight to be acknowledged, then closes the producer. */
    public synchronized void close(Duration timeout) {
        if (producer != null) {
            producer.close(timeout);
            producer = null;
        }
    }

    /** Waits for records in flight to be acknowledged, then closes the producer. */
    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
