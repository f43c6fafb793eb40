package dev.panicwatch.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * The settings of every Panicwatch producer outside Kafka Streams, with the safe defaults in one place (as
 * bakdata/streams-bootstrap keeps them): the user's {@code KAFKA_*} settings are laid over the defaults, then the two
 * guarantees are fixed on top, {@code acks=all} and idempotence, because a collector that tells its sender "stored"
 * must mean it and a producer retry must not write a record twice.
 *
 * <p>What differs between producers is how long they may wait: the HTTP receiver keeps the delivery timeout short so
 * its senders get a prompt 503, the host sampler keeps {@code send()} from blocking its publishing thread for long.
 * Strings are used for the values, as from a properties file: Kafka parses each to the type it expects.
 */
public final class ProducerSettings {

    /** How long a record may take to be acknowledged before the publish fails (and the sender is told to retry). */
    public static final Duration DEFAULT_DELIVERY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SHORTEST_DELIVERY_TIMEOUT = Duration.ofSeconds(2);

    private final String clientId;
    private Duration deliveryTimeout = DEFAULT_DELIVERY_TIMEOUT;
    private Duration maxBlock;
    private Duration linger = Duration.ofMillis(5);
    private Duration requestTimeout;
    private Duration reconnectBackoffMax;

    private ProducerSettings(String clientId) {
        this.clientId = clientId;
    }

    /** @param clientId the default {@code client.id} (brokers' logs and quotas name the producer by it) */
    public static ProducerSettings forClient(String clientId) {
        return new ProducerSettings(clientId);
    }

    /**
     * Upper bound for one record from send to acknowledgement, including the wait for a broker that is down; at
     * least 2 s. Also bounds {@code send()}'s wait for metadata unless {@link #maxBlock} says otherwise.
     */
    public ProducerSettings deliveryTimeout(Duration timeout) {
        this.deliveryTimeout = timeout.compareTo(SHORTEST_DELIVERY_TIMEOUT) < 0 ? SHORTEST_DELIVERY_TIMEOUT : timeout;
        return this;
    }

    /** How long {@code send()} may block while the broker's metadata is unknown. */
    public ProducerSettings maxBlock(Duration maxBlock) {
        this.maxBlock = maxBlock;
        return this;
    }

    public ProducerSettings linger(Duration linger) {
        this.linger = linger;
        return this;
    }

    /** One request's timeout; by default what the delivery timeout leaves after lingering, at most 30 s. */
    public ProducerSettings requestTimeout(Duration requestTimeout) {
        this.requestTimeout = requestTimeout;
        return this;
    }

    /**
     * The longest wait between reconnect attempts to a broker that is down (Kafka's default, 1 s, unless set). A
     * producer whose callers wait for it to come back (the HTTP receiver's senders) keeps the default, so a restarted
     * broker is found within a second.
     */
    public ProducerSettings reconnectBackoffMax(Duration backoff) {
        this.reconnectBackoffMax = backoff;
        return this;
    }

    /** How long a record may be on its way, send() included: what a caller waiting for a batch should allow. */
    public Duration longestDelivery() {
        return deliveryTimeout.plus(maxBlock == null ? deliveryTimeout : maxBlock);
    }

    /** The producer configuration for {@code connection}: defaults, then the user's settings, then the guarantees. */
    public Map<String, Object> build(KafkaConnection connection) {
        Map<String, Object> config = new HashMap<>();
        config.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        config.put(ProducerConfig.LINGER_MS_CONFIG, Long.toString(linger.toMillis()));
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Long.toString(deliveryTimeout.toMillis()));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString((maxBlock == null ? deliveryTimeout : maxBlock).toMillis()));
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "zstd");
        if (reconnectBackoffMax != null) {
            config.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, Long.toString(reconnectBackoffMax.toMillis()));
        }
        if (requestTimeout != null) {
            config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(requestTimeout.toMillis()));
        }
        config.putAll(connection.kafkaClientConfig());
        if (!config.containsKey(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)) {
            // delivery.timeout.ms must cover linger.ms + request.timeout.ms, or the producer refuses to start.
            long lingerInForce = millis(config, ProducerConfig.LINGER_MS_CONFIG);
            long deliveryInForce = millis(config, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG);
            config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG,
                    Long.toString(Math.max(1_000, Math.min(30_000, deliveryInForce - lingerInForce))));
        }
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        return config;
    }

    private static long millis(Map<String, Object> config, String key) {
        String value = config.get(key).toString().trim();
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " = '" + value + "' is not a whole number of milliseconds (set by "
                    + ClientSettings.toEnvironmentName(key) + ")");
        }
    }
}
