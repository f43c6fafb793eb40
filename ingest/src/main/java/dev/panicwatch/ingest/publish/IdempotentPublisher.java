package dev.panicwatch.ingest.publish;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.panicwatch.schemas.registry.AvroSerde;

/**
 * The one Kafka producer of the collectors: idempotent, {@code acks=all}, String keys, Avro values in the Confluent
 * wire format. Values are serialized in the caller's thread, so a registry that cannot be reached fails that one
 * publish (as a failed future) instead of surfacing later inside the producer.
 *
 * <p>acks and idempotence are fixed: a collector that tells its sender "stored" must mean it, and producer retries
 * must not write a record twice. Other producer settings (timeouts, SASL, SSL) come from the {@link KafkaConnection}.
 */
public final class IdempotentPublisher implements RecordPublisher, AutoCloseable {

    /** How long a record may take to be acknowledged before the publish fails (and the sender is told to retry). */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);

    private final Producer<String, byte[]> producer;
    private final Map<String, Object> registryConfig;
    private final Map<Class<?>, Serializer<SpecificRecord>> serializers = new ConcurrentHashMap<>();

    IdempotentPublisher(Producer<String, byte[]> producer, Map<String, Object> registryConfig) {
        this.producer = producer;
        this.registryConfig = registryConfig;
    }

    public static IdempotentPublisher create(KafkaConnection connection) {
        return create(connection, DEFAULT_DELIVERY_TIMEOUT);
    }

    /**
     * @param deliveryTimeout upper bound for one record from send to acknowledgement, including the wait for a
     *                        broker that is down (the HTTP receiver keeps it short so its senders get a prompt 503)
     */
    public static IdempotentPublisher create(KafkaConnection connection, Duration deliveryTimeout) {
        return new IdempotentPublisher(new KafkaProducer<>(producerConfig(connection, deliveryTimeout),
                new StringSerializer(), new ByteArraySerializer()), connection.clientConfig());
    }

    /** The producer settings: timeouts derived from {@code deliveryTimeout} unless configured, then the fixed ones. */
    static Map<String, Object> producerConfig(KafkaConnection connection, Duration deliveryTimeout) {
        long delivery = Math.max(deliveryTimeout.toMillis(), 2_000);
        // Strings, as from a properties file: Kafka parses each to the type it expects (int or long).
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(delivery));
        // send() blocks while it waits for metadata of a broker that is down; bound it by the same budget.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(delivery));
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        config.putAll(connection.clientConfig());
        config.remove("schema.registry.url");
        if (!config.containsKey(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)) {
            // delivery.timeout.ms must cover linger.ms + request.timeout.ms, or the producer refuses to start.
            long linger = Long.parseLong(config.get(ProducerConfig.LINGER_MS_CONFIG).toString().trim());
            long deliveryInForce = Long.parseLong(config.get(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG).toString().trim());
            config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    Long.toString(Math.max(1_000, Math.min(30_000, deliveryInForce - linger))));
        }
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "panicwatch-ingest");
        return config;
    }

    @Override
    public CompletableFuture<RecordMetadata> publish(String topic, String key, SpecificRecord value, Instant timestamp) {
        CompletableFuture<RecordMetadata> acknowledged = new CompletableFuture<>();
        try {
            byte[] bytes = serializer(value.getClass()).serialize(topic, value);
            Long millis = timestamp == null ? null : timestamp.toEpochMilli();
            producer.send(new ProducerRecord<>(topic, null, millis, key, bytes), (metadata, error) -> {
                if (error != null) {
                    acknowledged.completeExceptionally(error);
                } else {
                    acknowledged.complete(metadata);
                }
            });
        } catch (RuntimeException e) {
            // Serialization (registry unreachable) and send() itself (metadata wait timed out) fail here.
            acknowledged.completeExceptionally(e);
        }
        return acknowledged;
    }

    @SuppressWarnings("unchecked")
    private Serializer<SpecificRecord> serializer(Class<?> type) {
        return serializers.computeIfAbsent(type,
                t -> AvroSerde.forType((Class<SpecificRecord>) t, registryConfig).serializer());
    }

    /** Waits for records in flight to be acknowledged, then closes the producer. */
    @Override
    public void close() {
        producer.close(Duration.ofSeconds(30));
    }
}
