package dev.panicwatch.reliability;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.avro.specific.SpecificRecord;

import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.kafka.registry.AvroSerde;

/**
 * A topic read as bytes, whole, on a read_committed consumer: for dead letters, whose values are by definition not
 * readable as Avro, and for topics shared with the poison test, whose bad records must be skipped unread.
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
        return TopicFixture.readAllBytes(Map.of("bootstrap.servers", bootstrapServers), topic);
    }
}
