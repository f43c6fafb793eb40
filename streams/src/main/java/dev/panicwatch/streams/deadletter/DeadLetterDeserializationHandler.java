package dev.panicwatch.streams.deadletter;

import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.streams.metrics.PipelineObserver;

/**
 * A record on an input topic that cannot be deserialized (garbage bytes, unknown schema id, truncated Avro) goes to
 * the dead-letter topic with its original bytes, and processing continues with the next record.
 */
public class DeadLetterDeserializationHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterDeserializationHandler.class);

    private String deadLetterTopic;
    private PipelineObserver observer = PipelineObserver.NO_OP;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetterTopic = DeadLetters.topic(configs);
        observer = PipelineObserver.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        LOG.warn("unreadable record at {}-{}@{} sent to {}: {}", record.topic(), record.partition(), record.offset(),
                deadLetterTopic, DeadLetters.describe(exception));
        observer.deadLettered("deserialization", record.topic());
        return Response.resume(List.of(DeadLetters.of(deadLetterTopic, "deserialization", record.topic(),
                record.partition(), record.offset(), null, record.key(), record.value(), record.headers(), exception)));
    }
}
