package dev.panicwatch.ingest.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

import dev.panicwatch.schemas.Topics;
import dev.panicwatch.kafka.registry.AvroSerde;

/**
 * The collectors' topics on a real broker: created for the test (the streams app creates them in production), and
 * read back in full.
 */
public final class TopicFixture {

    private TopicFixture() {
    }

    /** Creates panic-reports, host-load and guest-state (3 partitions each) unless they exist. */
    public static void ensureTopics(Map<String, Object> clientConfig) throws InterruptedException, ExecutionException {
        try (Admin admin = Admin.create(kafkaOnly(clientConfig))) {
            Set<String> existing = admin.listTopics().names().get();
            for (String topic : List.of(Topics.PANIC_REPORTS, Topics.HOST_LOAD, Topics.GUEST_STATE)) {
                if (existing.contains(topic)) {
                    continue;
                }
                try {
                    admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1))).all().get();
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw e;
                    }
                }
            }
        }
    }

    /**
     * Every record of {@code topic} written before this call (up to the end offsets taken at the start), decoded.
     * Records a collector had acknowledged are all there: an acknowledgement means the broker has them.
     */
    public static <T extends SpecificRecord> List<ConsumerRecord<String, T>> readAll(Map<String, Object> clientConfig,
                                                                                  String topic, Class<T> type) {
        AvroSerde<T> serde = AvroSerde.forType(type, clientConfig);
        StringDeserializer keys = new StringDeserializer();
        return readAllBytes(clientConfig, topic).stream()
                .map(r -> new ConsumerRecord<>(r.topic(), r.partition(), r.offset(), r.timestamp(), r.timestampType(),
                        r.serializedKeySize(), r.serializedValueSize(), keys.deserialize(topic, r.key()),
                        serde.deserializer().deserialize(topic, r.value()), r.headers(), r.leaderEpoch()))
                .toList();
    }

    /**
     * As {@link #readAll}, undecoded: for topics whose values need not be Avro (dead letters). Read on a
     * {@code read_committed} consumer, so the end offsets are the last stable ones: everything committed so far.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAllBytes(Map<String, Object> clientConfig, String topic) {
        Map<String, Object> config = kafkaOnly(clientConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, Duration.ofSeconds(10));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " to its end offsets " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.offset() < end.get(new TopicPartition(r.topic(), r.partition()))) {
                        records.add(r);
                    }
                }
            }
        }
        return records;
    }

    private static Map<String, Object> kafkaOnly(Map<String, Object> clientConfig) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.remove("schema.registry.url");
        return config;
    }
}
