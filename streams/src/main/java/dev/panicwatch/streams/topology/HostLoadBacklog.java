package dev.panicwatch.streams.topology;

/**
 * Whether this instance has read its {@code host-load} input to (near) the end: after a restart, a restore or a
 * rebalance the samples that waited in Kafka must be read before a panic is decided on the wall clock
 * (docs/streams.md, "When a panic is decided").
 */
@FunctionalInterface
public interface HostLoadBacklog {

    /** No consumer to ask (TopologyTestDriver): every record given is already read. */
    HostLoadBacklog NONE = partition -> true;

    /** True once partition {@code partition} of {@code host-load} has been read to within a few records of its end. */
    boolean drained(int partition);
}
