package dev.panicwatch.streams.topology;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.streams.advice.LoadWindow;
import dev.panicwatch.streams.advice.OverloadThresholds;

/**
 * One interval's {@link LoadSummary} as its samples come in, changed in place: the downsampler adds every sample of
 * the fleet to one of these, so adding allocates nothing (a new summary per sample was a fifth of the pipeline's
 * throughput in the bench). Peaks are the maxima {@link LoadWindow#of} takes for a decision.
 */
final class LoadSummaryBuilder {

    final long startMillis;
    private final long endMillis;
    private int samples;
    private int overloaded;
    private double peakLoadPerCpu = Double.NaN;
    private double worstVcpuWait = Double.NaN;
    private double peakCpuPressure = Double.NaN;
    private long latestMillis = Long.MIN_VALUE;
    private String host;
    private long hostMillis = Long.MIN_VALUE;
    private int hostCpus;
    private int vmVcpus;
    private Integer cpuunits;

    LoadSummaryBuilder(long startMillis, long endMillis) {
        this.startMillis = startMillis;
        this.endMillis = endMillis;
    }

    /** Adds a summary of (part of) the interval: counts added, peaks and the latest sample kept. */
    LoadSummaryBuilder add(LoadSummary s) {
        samples += s.samples();
        overloaded += s.overloadedSamples();
        peakLoadPerCpu = max(peakLoadPerCpu, s.peakLoadPerCpu() == null ? Double.NaN : s.peakLoadPerCpu());
        worstVcpuWait = max(worstVcpuWait, s.worstVcpuWait() == null ? Double.NaN : s.worstVcpuWait());
        peakCpuPressure = max(peakCpuPressure, s.peakCpuPressure() == null ? Double.NaN : s.peakCpuPressure());
        if (s.latestSampleMillis() >= latestMillis) {
            latestMillis = s.latestSampleMillis();
            hostCpus = s.hostCpus();
            vmVcpus = s.vmVcpus();
            cpuunits = s.cpuunits();
        }
        if (s.hostId() != null && s.latestSampleMillis() >= hostMillis) {
            host = s.hostId();
            hostMillis = s.latestSampleMillis();
        }
        return this;
    }

    /** Adds one sample of the interval, judged alone against {@code thresholds}. */
    LoadSummaryBuilder add(HostLoadSample s, OverloadThresholds thresholds) {
        long at = s.getSampleTime().toEpochMilli();
        samples++;
        if (thresholds.crossedBy(s)) {
            overloaded++;
        }
        peakLoadPerCpu = max(peakLoadPerCpu, LoadWindow.loadPerCpu(s));
        if (s.getVcpuWaitRatioMax() != null) {
            worstVcpuWait = max(worstVcpuWait, s.getVcpuWaitRatioMax());
        }
        if (s.getCpuPressureSome10() != null) {
            peakCpuPressure = max(peakCpuPressure, s.getCpuPressureSome10());
        }
        if (at >= latestMillis) {
            latestMillis = at;
            hostCpus = s.getHostCpus();
            vmVcpus = s.getVmVcpus();
            cpuunits = s.getCpuunits();
        }
        if (s.getHostId() != null && !s.getHostId().isBlank() && at >= hostMillis) {
            host = s.getHostId();
            hostMillis = at;
        }
        return this;
    }

    LoadSummary build() {
        return new LoadSummary(startMillis, endMillis, host, samples, overloaded, boxed(peakLoadPerCpu),
                boxed(worstVcpuWait), boxed(peakCpuPressure), latestMillis, hostCpus, vmVcpus, cpuunits);
    }

    private static double max(double current, double candidate) {
        if (Double.isNaN(candidate)) {
            return current;
        }
        return Double.isNaN(current) ? candidate : Math.max(current, candidate);
    }

    private static Double boxed(double v) {
        return Double.isNaN(v) ? null : v;
    }
}
