package dev.panicwatch.ingest.host;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.schemas.registry.AvroSerde;

/**
 * Delivers samples to {@link Topics#HOST_LOAD} with an idempotent producer (acks=all, idempotence on), key = vmId,
 * value = Avro in the Confluent wire format. Kafka's client reconnects on its own; a producer that has failed for good
 * (a fatal error of the idempotent producer) is closed and replaced at the next send, so the sampler recovers without
 * a restart.
 */
public final class KafkaSampleSink implements SampleSink {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSampleSink.class);

    /** How long one sample may take at most; {@link SamplePublisher}'s wait must be longer. */
    public static final Duration DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration MAX_BLOCK = Duration.ofSeconds(5);
    /** What the publisher should wait for a batch: the producer has given up on every record by then. */
    public static final Duration BATCH_TIMEOUT = DELIVERY_TIMEOUT.plus(MAX_BLOCK).plusSeconds(5);

    private final Map<String, Object> producerConfig;
    private final Serializer<HostLoadSample> valueSerializer;
    private Producer<String, HostLoadSample> producer;

    /**
     * @param clientSettings Kafka client settings plus {@code schema.registry.url} (and the registry's other
     *                       Confluent-named settings), as {@link dev.panicwatch.schemas.kafka.ClientSettings} gives them
     * @throws ConfigException naming the setting when bootstrap servers or the registry URL are missing or invalid
     */
    public KafkaSampleSink(Map<String, Object> clientSettings) {
        if (clientSettings.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new ConfigException(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, null,
                    "missing: give --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS");
        }
        this.valueSerializer = AvroSerde.forType(HostLoadSample.class, clientSettings).serializer();
        this.producerConfig = producerConfig(clientSettings);
        this.producer = newProducer();
    }

    /**
     * The producer's settings: safe defaults for a collector that must not stall, then the user's settings, then the
     * two guarantees this sink promises (acks=all, idempotence), which the user cannot turn off. Registry settings are
     * left out: they belong to the serializer, and Kafka would warn about each.
     */
    static Map<String, Object> producerConfig(Map<String, Object> clientSettings) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "panicwatch-host-sampler");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 50);
        // send() blocks at most this long when the broker is unknown; the publisher thread then retries later.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) MAX_BLOCK.toMillis());
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, (int) DELIVERY_TIMEOUT.toMillis());
        config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 10_000);
        clientSettings.forEach((key, value) -> {
            if (!isRegistrySetting(key)) {
                config.put(key, value);
            }
        });
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return config;
    }

    private static boolean isRegistrySetting(String key) {
        return key.startsWith("schema.registry.") || key.startsWith("basic.auth.")
                || key.equals("auto.register.schemas") || key.equals("use.latest.version");
    }

    private Producer<String, HostLoadSample> newProducer() {
        return new KafkaProducer<>(producerConfig, new StringSerializer(), valueSerializer);
    }

    @Override
    public synchronized CompletableFuture<Void> send(HostLoadSample sample) {
        CompletableFuture<Void> result = new CompletableFuture<>();
        try {
            if (producer == null) {
                producer = newProducer();
                LOG.info("started a new Kafka producer after the previous one failed");
            }
            producer.send(new ProducerRecord<>(Topics.HOST_LOAD, sample.getVmId(), sample), (metadata, error) -> {
                if (error == null) {
                    result.complete(null);
                } else {
                    result.completeExceptionally(error);
                }
            });
        } catch (SerializationException | RetriableException e) {
            // The registry is unreachable, or the broker's metadata did not arrive in time: try again later.
            result.completeExceptionally(e);
        } catch (KafkaException | IllegalStateException e) {
            // Fatal for this producer instance (e.g. the idempotent producer's sequence state is lost): replace it.
            LOG.warn("Kafka producer failed ({}); replacing it", e.toString());
            closeProducer();
            result.completeExceptionally(e);
        }
        return result;
    }

    private void closeProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing the failed producer: {}", e.toString());
            }
            producer = null;
        }
    }

    @Override
    public synchronized void close() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
