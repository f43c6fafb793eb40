package dev.panicwatch.streams.deadletter;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;

import dev.panicwatch.schemas.Topics;

/**
 * Builds the dead letter for a record that could not be read or processed: the original key and value bytes, the
 * original headers, and {@link DeadLetterHeaders} naming topic, partition, offset and error. Kafka Streams produces it
 * in the same transaction as the task's other output, so under exactly-once it appears exactly when the offset of
 * the bad record is committed.
 */
final class DeadLetters {

    private static final int MAX_MESSAGE_CHARS = 2_000;

    private DeadLetters() {
    }

    /** The dead-letter topic: {@code errors.dead.letter.queue.topic.name} when set, else {@link Topics#DEAD_LETTERS}. */
    static String topic(Map<String, ?> configs) {
        Object configured = configs.get(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG);
        return configured == null || configured.toString().isBlank() ? Topics.DEAD_LETTERS : configured.toString();
    }

    static ProducerRecord<byte[], byte[]> of(String deadLetterTopic, String stage, String sourceTopic, int partition,
                                             long offset, String processor, byte[] key, byte[] value,
                                             Headers originalHeaders, Exception error) {
        Headers headers = new RecordHeaders();
        if (originalHeaders != null) {
            originalHeaders.forEach(headers::add);
        }
        put(headers, DeadLetterHeaders.STAGE, stage);
        put(headers, DeadLetterHeaders.TOPIC, sourceTopic);
        put(headers, DeadLetterHeaders.PARTITION, Integer.toString(partition));
        put(headers, DeadLetterHeaders.OFFSET, Long.toString(offset));
        put(headers, DeadLetterHeaders.ERROR_CLASS, error.getClass().getName());
        put(headers, DeadLetterHeaders.ERROR_MESSAGE, describe(error));
        if (processor != null) {
            put(headers, DeadLetterHeaders.PROCESSOR, processor);
        }
        // Partition left to the producer: the dead-letter topic need not have the source's partition count.
        return new ProducerRecord<>(deadLetterTopic, null, null, key, value, headers);
    }

    /** The message chain, so "cannot read record … : schema id 99 is unknown" survives wrapping exceptions. */
    static String describe(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null && text.length() < MAX_MESSAGE_CHARS; t = t.getCause()) {
            if (!text.isEmpty()) {
                text.append(" | caused by ").append(t.getClass().getSimpleName()).append(": ");
            }
            text.append(t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage());
            if (t.getCause() == t) {
                break;
            }
        }
        return text.length() > MAX_MESSAGE_CHARS ? text.substring(0, MAX_MESSAGE_CHARS) + "…" : text.toString();
    }

    private static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8));
    }
}
