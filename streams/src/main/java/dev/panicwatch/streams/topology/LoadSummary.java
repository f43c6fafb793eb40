package dev.panicwatch.streams.topology;

import java.time.Instant;
import java.util.Collection;
import java.util.List;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.streams.advice.LoadWindow;
import dev.panicwatch.streams.advice.OverloadThresholds;

/**
 * One {@code load.summary.interval} (default 5 minutes) of one VM's load samples, reduced to what is looked at further
 * back than the raw window (docs/design.md#load-history): how many samples there were and how many of them were
 * overloaded (the overload share of an advice outcome), the peaks the load view draws, and the host the VM was on.
 *
 * @param startMillis          start of the interval, on the grid of the interval length (inclusive)
 * @param endMillis            end of the interval (exclusive)
 * @param hostId               host named by the interval's latest sample that names one; null when none did
 * @param samples              samples whose time lies in [start, end)
 * @param overloadedSamples    of those, the ones that crossed a threshold on their own (as the advice judges them)
 * @param peakLoadPerCpu       largest load1 / hostCpus; null without a sample that has host CPUs
 * @param worstVcpuWait        largest vcpuWaitRatioMax; null when no sample carried one
 * @param peakCpuPressure      largest host PSI cpu some avg10 (percent); null when no sample carried one
 * @param latestSampleMillis   time of the interval's latest sample
 * @param hostCpus             host CPUs, vCPUs and Proxmox cpuunits of the VM in that latest sample: what the
 * @param vmVcpus              host-side advice names for a panic decided on the summaries
 * @param cpuunits
 */
public record LoadSummary(long startMillis, long endMillis, String hostId, int samples, int overloadedSamples,
                          Double peakLoadPerCpu, Double worstVcpuWait, Double peakCpuPressure,
                          long latestSampleMillis, int hostCpus, int vmVcpus, Integer cpuunits) {

    /**
     * The summary of {@code samples} (all of one VM, all in [start, end)), judging each sample alone against
     * {@code thresholds}; null when there are none, since an interval without samples is not stored.
     */
    static LoadSummary of(long startMillis, long endMillis, Collection<HostLoadSample> samples,
                          OverloadThresholds thresholds) {
        if (samples.isEmpty()) {
            return null;
        }
        Instant start = Instant.ofEpochMilli(startMillis);
        Instant last = Instant.ofEpochMilli(endMillis - 1);
        LoadWindow peaks = LoadWindow.of(start, last, samples);
        int overloaded = 0;
        String host = null;
        long hostAt = Long.MIN_VALUE;
        for (HostLoadSample s : samples) {
            long at = s.getSampleTime().toEpochMilli();
            if (isOverloaded(s, thresholds)) {
                overloaded++;
            }
            if (s.getHostId() != null && !s.getHostId().isBlank() && at >= hostAt) {
                host = s.getHostId();
                hostAt = at;
            }
        }
        HostLoadSample latest = peaks.latest();
        return new LoadSummary(startMillis, endMillis, host, peaks.samples(), overloaded,
                peaks.peakLoadPerCpu().isPresent() ? peaks.peakLoadPerCpu().getAsDouble() : null,
                peaks.worstVcpuWait().isPresent() ? peaks.worstVcpuWait().getAsDouble() : null,
                peaks.peakCpuPressure().isPresent() ? peaks.peakCpuPressure().getAsDouble() : null,
                latest.getSampleTime().toEpochMilli(), latest.getHostCpus(), latest.getVmVcpus(),
                latest.getCpuunits());
    }

    /** This summary with one more sample of its interval (a sample too late for the raw window). */
    LoadSummary plus(HostLoadSample sample, OverloadThresholds thresholds) {
        LoadSummary one = of(startMillis, endMillis, List.of(sample), thresholds);
        LoadSummary newer = one.latestSampleMillis >= latestSampleMillis ? one : this;
        return new LoadSummary(startMillis, endMillis, newer.hostId != null ? newer.hostId
                : one.hostId != null ? one.hostId : hostId,
                samples + one.samples, overloadedSamples + one.overloadedSamples,
                max(peakLoadPerCpu, one.peakLoadPerCpu), max(worstVcpuWait, one.worstVcpuWait),
                max(peakCpuPressure, one.peakCpuPressure), newer.latestSampleMillis, newer.hostCpus,
                newer.vmVcpus, newer.cpuunits);
    }

    private static Double max(Double a, Double b) {
        return a == null ? b : b == null ? a : Double.valueOf(Math.max(a, b));
    }

    /** Whether one sample on its own crosses a threshold: the rule of every overload share. */
    static boolean isOverloaded(HostLoadSample sample, OverloadThresholds thresholds) {
        Instant t = sample.getSampleTime();
        return thresholds.judge(LoadWindow.of(t, t, List.of(sample))).overloaded();
    }
}
