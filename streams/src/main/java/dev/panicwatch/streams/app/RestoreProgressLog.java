package dev.panicwatch.streams.app;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.processor.StateRestoreListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line when a store partition starts restoring from its changelog and one when it is done, so an operator
 * (and the reliability suite) can tell a restart that is rebuilding state from one that is stuck; Kafka Streams
 * itself says nothing about restoration at INFO.
 */
final class RestoreProgressLog implements StateRestoreListener {

    private static final Logger LOG = LoggerFactory.getLogger(RestoreProgressLog.class);

    private final Map<TopicPartition, Long> startedNanos = new ConcurrentHashMap<>();

    @Override
    public void onRestoreStart(TopicPartition partition, String store, long startingOffset, long endingOffset) {
        startedNanos.put(partition, System.nanoTime());
        LOG.info("restoring store {} from {}: {} records (offsets {}..{})", store, partition,
                endingOffset - startingOffset, startingOffset, endingOffset);
    }

    @Override
    public void onBatchRestored(TopicPartition partition, String store, long batchEndOffset, long restored) {
        // per batch would flood the log; start and end say enough
    }

    @Override
    public void onRestoreEnd(TopicPartition partition, String store, long totalRestored) {
        Long started = startedNanos.remove(partition);
        long millis = started == null ? -1 : (System.nanoTime() - started) / 1_000_000;
        LOG.info("restored store {} from {}: {} records in {} ms", store, partition, totalRestored, millis);
    }

    @Override
    public void onRestoreSuspended(TopicPartition partition, String store, long totalRestored) {
        startedNanos.remove(partition);
        LOG.info("restoration of store {} from {} suspended after {} records (task moved or closed)", store,
                partition, totalRestored);
    }
}
