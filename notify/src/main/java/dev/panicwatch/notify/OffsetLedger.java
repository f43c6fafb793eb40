package dev.panicwatch.notify;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets may be committed: an event counts as done once every target it was meant for took it or gave up on
 * it for good. Per partition the commit point is the oldest event not yet done (or one past the newest read), so a
 * restart re-sends what was in flight and never skips what was not delivered. Called from the consumer thread and
 * the target workers.
 */
final class OffsetLedger {

    private static final class PartitionState {
        final TreeMap<Long, Integer> open = new TreeMap<>();
        long next = -1;
        long committed = -1;

        long commitPoint() {
            return open.isEmpty() ? next : open.firstKey();
        }
    }

    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private int inFlight;

    /** An event was read that {@code targets} targets must settle (0: nothing to send, done at once). */
    synchronized void read(TopicPartition partition, long offset, int targets) {
        PartitionState state = partitions.computeIfAbsent(partition, p -> new PartitionState());
        state.next = Math.max(state.next, offset + 1);
        if (targets > 0) {
            state.open.put(offset, targets);
            inFlight++;
        }
    }

    /** One target settled the event; ignored for a partition given away in a rebalance meanwhile. */
    synchronized void settled(TopicPartition partition, long offset) {
        PartitionState state = partitions.get(partition);
        if (state == null) {
            return;
        }
        Integer left = state.open.get(offset);
        if (left == null) {
            return;
        }
        if (left <= 1) {
            state.open.remove(offset);
            inFlight--;
        } else {
            state.open.put(offset, left - 1);
        }
    }

    /** The offsets to commit now: partitions whose commit point moved since the last commit. */
    synchronized Map<TopicPartition, OffsetAndMetadata> toCommit() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        partitions.forEach((partition, state) -> {
            long point = state.commitPoint();
            if (point > state.committed) {
                out.put(partition, new OffsetAndMetadata(point));
            }
        });
        return out;
    }

    synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((partition, offset) -> {
            PartitionState state = partitions.get(partition);
            if (state != null) {
                state.committed = Math.max(state.committed, offset.offset());
            }
        });
    }

    /** Partitions taken away: their open events are someone else's now (they re-send from the committed point). */
    synchronized void forget(Collection<TopicPartition> gone) {
        for (TopicPartition partition : gone) {
            PartitionState state = partitions.remove(partition);
            if (state != null) {
                inFlight -= state.open.size();
            }
        }
    }

    synchronized int inFlight() {
        return inFlight;
    }
}
