package dev.panicwatch.streams.advice;

import java.time.Instant;
import java.util.Collection;
import java.util.OptionalDouble;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * The load samples of one VM's host around a panic, reduced to the peaks that matter.
 *
 * @param start              panic time minus the look-back
 * @param end                panic time plus the look-ahead
 * @param samples            samples whose time fell in [start, end]
 * @param peakLoadPerCpu     largest load1 / hostCpus
 * @param worstVcpuWait      largest vcpuWaitRatioMax
 * @param peakCpuPressure    largest host PSI cpu some avg10 (percent)
 * @param severity           R: the largest of load1 / hostCpus and 1 / (1 − vcpuWaitRatioMax), i.e. how many times
 *                           slower than it expects a vCPU ran
 * @param latest             the last sample in the window (null without samples): the VM's own figures (vCPUs,
 *                           cpuunits, host CPUs) as the host-side advice names them
 */
public record LoadWindow(Instant start, Instant end, int samples, OptionalDouble peakLoadPerCpu,
                         OptionalDouble worstVcpuWait, OptionalDouble peakCpuPressure, OptionalDouble severity,
                         HostLoadSample latest) {

    /**
     * A vCPU that never ran in an interval (wait ratio 1) has an infinite slowdown; any R ≥ 16 already yields the
     * largest vti step, so R is capped here to keep the evidence a finite, printable number.
     */
    public static final double MAX_SEVERITY = 1000.0;

    /** Reduces the samples whose {@code sampleTime} lies in [start, end]; others are ignored. */
    public static LoadWindow of(Instant start, Instant end, Collection<HostLoadSample> candidates) {
        int count = 0;
        double peakLoad = Double.NaN;
        double worstWait = Double.NaN;
        double peakPsi = Double.NaN;
        double severity = Double.NaN;
        HostLoadSample latest = null;
        for (HostLoadSample s : candidates) {
            Instant t = s.getSampleTime();
            if (t.isBefore(start) || t.isAfter(end)) {
                continue;
            }
            count++;
            if (latest == null || !t.isBefore(latest.getSampleTime())) {
                latest = s;
            }
            double perCpu = loadPerCpu(s);
            if (!Double.isNaN(perCpu)) {
                peakLoad = max(peakLoad, perCpu);
                severity = max(severity, perCpu);
            }
            if (s.getVcpuWaitRatioMax() != null) {
                double wait = s.getVcpuWaitRatioMax();
                worstWait = max(worstWait, wait);
                severity = max(severity, slowdown(wait));
            }
            if (s.getCpuPressureSome10() != null) {
                peakPsi = max(peakPsi, s.getCpuPressureSome10());
            }
        }
        return new LoadWindow(start, end, count, opt(peakLoad), opt(worstWait), opt(peakPsi), opt(severity), latest);
    }

    /**
     * A window known only by its peaks (docs/design.md#load-history: the summaries of a window older than the raw
     * samples): R from the peaks as {@link #of} takes it from the samples, since both are maxima.
     */
    public static LoadWindow ofPeaks(Instant start, Instant end, int samples, OptionalDouble peakLoadPerCpu,
                                     OptionalDouble worstVcpuWait, OptionalDouble peakCpuPressure,
                                     HostLoadSample latest) {
        double severity = Double.NaN;
        if (peakLoadPerCpu.isPresent()) {
            severity = peakLoadPerCpu.getAsDouble();
        }
        if (worstVcpuWait.isPresent()) {
            severity = max(severity, slowdown(worstVcpuWait.getAsDouble()));
        }
        return new LoadWindow(start, end, samples, peakLoadPerCpu, worstVcpuWait, peakCpuPressure, opt(severity),
                latest);
    }

    /** load1 / hostCpus of one sample; NaN when it names no host CPUs. */
    public static double loadPerCpu(HostLoadSample sample) {
        return sample.getHostCpus() > 0 ? sample.getLoad1() / sample.getHostCpus() : Double.NaN;
    }

    /** 1 / (1 - wait): how many times slower than it expects a vCPU that waited this share ran, capped. */
    private static double slowdown(double wait) {
        return wait >= 1.0 ? MAX_SEVERITY : Math.min(MAX_SEVERITY, 1.0 / (1.0 - wait));
    }

    public boolean hasSamples() {
        return samples > 0;
    }

    private static double max(double current, double candidate) {
        return Double.isNaN(current) ? candidate : Math.max(current, candidate);
    }

    private static OptionalDouble opt(double v) {
        return Double.isNaN(v) ? OptionalDouble.empty() : OptionalDouble.of(v);
    }
}
