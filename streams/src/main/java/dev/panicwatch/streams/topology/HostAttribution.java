package dev.panicwatch.streams.topology;

import java.time.Duration;
import java.time.Instant;

import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Which host a panic happened on (docs/design.md#vm-identity), decided by one rule for the counts and the advice
 * alike. A guest's panic directory watcher does not know which hypervisor the VM runs on, but the host sampler does:
 * a report that names no host (null or blank) takes the host of the VM's latest load sample up to the panic plus the
 * look-ahead, within the load retention. A VM that migrates is attributed to the host it was on.
 */
final class HostAttribution {

    private final Duration lookBehind;
    private final Duration lookAhead;

    /**
     * @param lookBehind how far before the panic a sample still names its host: the load retention, since a VM
     *                   that stays on one host may have been sampled long before it panicked
     * @param lookAhead  the load window's look-ahead: a sample just after the panic is still on the same host
     */
    HostAttribution(Duration lookBehind, Duration lookAhead) {
        this.lookBehind = lookBehind;
        this.lookAhead = lookAhead;
    }

    /** The reported host if it names one, else the host of the latest sample of {@code vmId}; null when neither. */
    String hostOf(String reportedHost, String vmId, Instant panicTime,
                  ReadOnlyWindowStore<String, EncodedLoadSample> recentLoad) {
        if (named(reportedHost)) {
            return reportedHost;
        }
        try (WindowStoreIterator<EncodedLoadSample> latestFirst = recentLoad.backwardFetch(vmId,
                panicTime.minus(lookBehind), panicTime.plus(lookAhead))) {
            while (latestFirst.hasNext()) {
                String sampled = latestFirst.next().value.sample().getHostId();
                if (named(sampled)) {
                    return sampled;
                }
            }
        }
        return null;
    }

    private static boolean named(String host) {
        return host != null && !host.isBlank();
    }
}
