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

/**
 * One of the pipeline's output topics from its beginning, as the pipeline committed it ({@code read_committed}: only
 * what the exactly-once pipeline committed, each record once). No consumer group: every reader sees the whole topic,
 * and nothing is committed on an operator's behalf. The remediations ({@link RemediationFeed}) and the demo's advice
 * outcomes are read this way. Not thread-safe, except {@link #wakeup()}.
 */
public final class CommittedFeed<V> implements AutoCloseable {

    private final KafkaConsumer<String, V> consumer;
    private final List<TopicPartition> partitions;
    private final Map<TopicPartition, Long> endAtOpen;

    private CommittedFeed(KafkaConsumer<String, V> consumer, List<TopicPartition> partitions,
                          Map<TopicPartition, Long> endAtOpen) {
        this.consumer = consumer;
        this.partitions = partitions;
        this.endAtOpen = endAtOpen;
    }

    /** The topic does not exist (yet): the streams app creates its output topics at start. */
    public static class MissingTopicException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        MissingTopicException(String topic, String bootstrapServers) {
            super("topic " + topic + " does not exist on " + bootstrapServers
                    + " (has './panicwatch streams' run against it?)");
        }
    }

    /**
     * @param timeout how long to wait for the topic's metadata and offsets
     * @throws MissingTopicException when the topic is not there
     * @throws org.apache.kafka.common.KafkaException when Kafka cannot be reached within {@code timeout}
     */
    public static <V> CommittedFeed<V> open(KafkaConnection connection, String topic, Deserializer<V> values,
                                            Duration timeout) {
        Map<String, Object> config = new HashMap<>(connection.kafkaClientConfig());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) timeout.toMillis());
        KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), values);
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new MissingTopicException(topic, connection.bootstrapServers());
            }
            List<TopicPartition> partitions = new ArrayList<>();
            infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return new CommittedFeed<>(consumer, List.copyOf(partitions), consumer.endOffsets(partitions));
        } catch (RuntimeException e) {
            consumer.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * The next records' values, tombstones of a compacted topic left out.
     *
     * @throws org.apache.kafka.common.errors.WakeupException after {@link #wakeup()}
     */
    public List<V> poll(Duration timeout) {
        List<V> values = new ArrayList<>();
        for (ConsumerRecord<String, V> record : consumer.poll(timeout)) {
            if (record.value() != null) {
                values.add(record.value());
            }
        }
        return values;
    }

    /** Whether everything that was on the topic when the feed opened has been read. */
    public boolean readWhatWasThere() {
        return reached(endAtOpen);
    }

    /** Where the committed part of each partition ends now: what {@link #reached} is asked about. */
    public Map<TopicPartition, Long> committedEnd() {
        // Under read_committed the end offsets are the last stable offsets: open transactions are not counted.
        return consumer.endOffsets(partitions);
    }

    /** Whether every partition has been read up to {@code ends}. */
    public boolean reached(Map<TopicPartition, Long> ends) {
        // Under read_committed the position can stop short of the end offset only while a transaction is open;
        // the position then moves past its markers once it ends.
        return ends.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
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
