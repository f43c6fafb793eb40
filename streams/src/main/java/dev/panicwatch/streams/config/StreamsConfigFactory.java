package dev.panicwatch.streams.config;

import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;

import dev.panicwatch.streams.deadletter.DeadLetterDeserializationHandler;
import dev.panicwatch.streams.deadletter.DeadLetterProcessingHandler;

/**
 * The Kafka Streams configuration with Panicwatch's safe defaults in one place: exactly-once (v2) processing, a
 * fixed application id, producers that wait for all in-sync replicas, and bad records sent to the dead-letter topic
 * instead of stopping the app. Settings given by the user override the defaults (a weaker guarantee is the user's
 * explicit choice).
 */
public final class StreamsConfigFactory {

    public static final String DEFAULT_APPLICATION_ID = "panicwatch";

    private StreamsConfigFactory() {
    }

    /** Defaults, then {@code userSettings} on top; {@code bootstrap.servers} must be among them. */
    public static Properties from(Map<String, ?> userSettings) {
        Properties props = new Properties();
        props.putAll(defaults());
        userSettings.forEach(props::put);
        Object bootstrap = props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG);
        if (bootstrap == null || bootstrap.toString().isBlank()) {
            throw new ConfigException(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                    "missing: set KAFKA_BOOTSTRAP_SERVERS or bootstrap.servers in the config file");
        }
        return props;
    }

    /** The defaults alone (tests read them). */
    public static Map<String, Object> defaults() {
        return Map.of(
                StreamsConfig.APPLICATION_ID_CONFIG, DEFAULT_APPLICATION_ID,
                StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2,
                StreamsConfig.producerPrefix(ProducerConfig.ACKS_CONFIG), "all",
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterDeserializationHandler.class.getName(),
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterProcessingHandler.class.getName(),
                // No global stores today; if one is added, its bad records should be dead-lettered too.
                StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, "true",
                // Never idle a task for an empty input partition. The correlator does not rely on Kafka Streams
                // interleaving panics and samples by time: a panic is parked until its load window has closed in
                // stream time or on the wall clock, and a late one waits out the grace (PanicLoadCorrelator). And the
                // default (0) costs: Kafka Streams 4.4 formats a log message with String.format for every record
                // while panic-reports is empty, a fifth of the stream thread's time (docs/performance.md).
                StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED),
                // Every stored sample is a changelog record. With the producer's 16 KiB batches a busy instance sends
                // hundreds of small produce requests a second, and on a small host the broker's request handling
                // becomes the limit: 256 KiB lifted the benchmark's samples/s by 55-65 % (docs/performance.md).
                // Batches still go out at each commit, so latency is unchanged; 256 KiB x the changelog and output
                // partitions stays within the producer's 32 MiB buffer for a few dozen partitions.
                StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), Integer.toString(256 * 1024),
                // Kafka Streams' own default, said out loud: KIP-892 stores lose samples after a kill -9 in 4.4 (a
                // window store's unflushed segment is restored only from the committed offset its flushed segments
                // carry) and cost throughput. A crash is handled before Kafka Streams opens the state instead:
                // LocalStateGuard rebuilds it (docs/streams.md, "Restart after a crash").
                StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG, "false");
    }
}
