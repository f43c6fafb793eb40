package dev.panicwatch.streams.topology;

import java.time.Duration;
import java.time.Instant;

import dev.panicwatch.streams.config.PipelineSettings;

/**
 * Which host a panic happened on (docs/design.md#vm-identity), decided by one rule for the counts and the advice
 * alike. A guest's panic directory watcher does not know which hypervisor the VM runs on, but the host sampler does:
 * a report that names no host (null or blank) takes the host of the VM's latest load sample up to the panic plus the
 * look-ahead, within the load retention (from the summaries beyond the raw window). A VM that migrates is attributed
 * to the host it was on.
 */
final class HostAttribution {

    /** How far before the panic a sample still names its host: a VM that stays put may not have been sampled lately. */
    private final Duration lookBehind;
    /** The load window's look-ahead: a sample just after the panic is still on the same host. */
    private final Duration lookAhead;

    HostAttribution(PipelineSettings settings) {
        this.lookBehind = settings.loadRetention();
        this.lookAhead = settings.lookAhead();
    }

    /** The reported host if it names one, else the host of the latest sample of {@code vmId}; null when neither. */
    String hostOf(String reportedHost, String vmId, Instant panicTime, LoadHistory load) {
        if (reportedHost != null && !reportedHost.isBlank()) {
            return reportedHost;
        }
        return load.latestHost(vmId, panicTime.minus(lookBehind).toEpochMilli(),
                panicTime.plus(lookAhead).toEpochMilli());
    }
}
