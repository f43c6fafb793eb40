package dev.panicwatch.streams.remediations;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.topology.PanicwatchSerdes;

/**
 * The remediations topic from its beginning, as the pipeline committed it ({@code read_committed}: only advice the
 * exactly-once pipeline committed, each event once). No consumer group: every reader sees the whole topic, and
 * nothing is committed on an operator's behalf. {@code ./panicwatch remediations} and the demo read advice this way.
 * Not thread-safe, except {@link #wakeup()}.
 */
public final class RemediationFeed implements AutoCloseable {

    private final KafkaConsumer<String, RemediationEvent> consumer;
    private final Map<TopicPartition, Long> endAtOpen;

    private RemediationFeed(KafkaConsumer<String, RemediationEvent> consumer, Map<TopicPartition, Long> endAtOpen) {
        this.consumer = consumer;
        this.endAtOpen = endAtOpen;
    }

    /** The topic does not exist (yet): the streams app creates it at start. */
    public static final class MissingTopicException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        MissingTopicException(String bootstrapServers) {
            super("topic " + Topics.REMEDIATIONS + " does not exist on " + bootstrapServers
                    + " (has './panicwatch streams' run against it?)");
        }
    }

    /**
     * How the events are read off the topic (Avro through the registry {@code connection} names), for a reader that
     * needs its own consumer, such as the notifier with its consumer group.
     */
    public static Deserializer<RemediationEvent> eventDeserializer(KafkaConnection connection) {
        return PanicwatchSerdes.fromConfig(connection.clientConfig()).remediations().deserializer();
    }

    /**
     * @param timeout how long to wait for the topic's metadata and offsets
     * @throws MissingTopicException when the topic is not there
     * @throws org.apache.kafka.common.KafkaException when Kafka cannot be reached within {@code timeout}
     */
    public static RemediationFeed open(KafkaConnection connection, Duration timeout) {
        Map<String, Object> config = new HashMap<>(connection.kafkaClientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        KafkaConsumer<String, RemediationEvent> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                eventDeserializer(connection));
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.REMEDIATIONS, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new MissingTopicException(connection.bootstrapServers());
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return new RemediationFeed(consumer, consumer.endOffsets(partitions));
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * The next events, tombstones of the compacted topic left out.
     *
     * @throws org.apache.kafka.common.errors.WakeupException after {@link #wakeup()}
     */
    public List<RemediationEvent> poll(Duration timeout) {
        List<RemediationEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, RemediationEvent> record : consumer.poll(timeout)) {
            if (record.value() != null) {
                events.add(record.value());
            }
        }
        return events;
    }

    /** Whether everything that was on the topic when the feed opened has been read. */
    public boolean readWhatWasThere() {
        // Under read_committed the position can stop short of the end offset only while a transaction is open;
        // the position then moves past its markers once it ends.
        return endAtOpen.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    /** Makes a {@link #poll} in progress (or the next one) throw WakeupException; safe from any thread. */
    public void wakeup() {
        consumer.wakeup();
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
