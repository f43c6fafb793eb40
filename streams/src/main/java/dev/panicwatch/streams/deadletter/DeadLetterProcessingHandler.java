package dev.panicwatch.streams.deadletter;

import java.util.List;
import java.util.Map;

import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.streams.metrics.PipelineObserver;

/**
 * A record that was read but could not be processed (no vmId key, a key that disagrees with the value's vmId, a
 * value the topology cannot use) goes to the dead-letter topic with the source record's original bytes, and
 * processing continues.
 */
public class DeadLetterProcessingHandler implements ProcessingExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterProcessingHandler.class);

    private String deadLetterTopic;
    private PipelineObserver observer = PipelineObserver.NO_OP;

    @Override
    public void configure(Map<String, ?> configs) {
        deadLetterTopic = DeadLetters.topic(configs);
        observer = PipelineObserver.from(configs);
    }

    @Override
    public Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        LOG.warn("unprocessable record at {}-{}@{} in {} sent to {}: {}", context.topic(), context.partition(),
                context.offset(), context.processorNodeId(), deadLetterTopic, DeadLetters.describe(exception));
        observer.deadLettered("processing", context.topic());
        return Response.resume(List.of(DeadLetters.of(deadLetterTopic, "processing", context.topic(),
                context.partition(), context.offset(), context.processorNodeId(), context.sourceRawKey(),
                context.sourceRawValue(), context.headers(), exception)));
    }
}
