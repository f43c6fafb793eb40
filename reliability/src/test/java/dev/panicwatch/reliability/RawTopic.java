package dev.panicwatch.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.avro.specific.SpecificRecord;

import dev.panicwatch.schemas.registry.AvroSerde;

/**
 * A topic read as bytes, whole, on a read_committed consumer: for dead letters, whose values are by definition not
 * readable as Avro. (TopicFixture.readAll does the same for Avro topics.)
 */
final class RawTopic {

    private RawTopic() {
    }

    /**
     * The values of the records whose key starts with {@code keyPrefix}, decoded: one test's records in a topic it
     * shares with others — including the poison test's undecodable ones, which are skipped unread.
     */
    static <T extends SpecificRecord> List<T> readValues(Map<String, Object> clientConfig, String topic, Class<T> type,
                                                         String keyPrefix) {
        AvroSerde<T> serde = AvroSerde.forType(type, clientConfig);
        return readAll(clientConfig.get("bootstrap.servers").toString(), topic).stream()
                .filter(r -> r.key() != null && new String(r.key(), java.nio.charset.StandardCharsets.UTF_8)
                        .startsWith(keyPrefix))
                .map(r -> serde.deserializer().deserialize(topic, r.value())).toList();
    }

    static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrapServers, String topic) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            // With read_committed these are the last stable offsets: everything committed so far.
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
}
