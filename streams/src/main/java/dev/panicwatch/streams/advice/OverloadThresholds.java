package dev.panicwatch.streams.advice;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * When a host counts as overloaded: any one signal reaching its threshold in the window is enough, because each
 * alone means a vCPU thread was kept off a physical CPU.
 */
public record OverloadThresholds(double loadPerCpu, double vcpuWait, double cpuPressure) {

    /** The thresholds the settings name: the advice, the outcomes and the load summaries all judge by these. */
    public static OverloadThresholds from(dev.panicwatch.streams.config.PipelineSettings settings) {
        return new OverloadThresholds(settings.loadPerCpuThreshold(), settings.vcpuWaitThreshold(),
                settings.cpuPressureThreshold());
    }

    /**
     * Whether the window is overloaded, as {@link #judge} decides it, without wording why.
     */
    public boolean crossedBy(LoadWindow window) {
        return crossedBy(window.peakLoadPerCpu().orElse(Double.NaN), window.worstVcpuWait().orElse(Double.NaN),
                window.peakCpuPressure().orElse(Double.NaN));
    }

    /**
     * Whether one sample on its own crosses a threshold: the per-sample counts of the load summaries and the advice
     * outcomes ask this once per sample, so it allocates nothing.
     */
    public boolean crossedBy(HostLoadSample sample) {
        return crossedBy(LoadWindow.loadPerCpu(sample),
                sample.getVcpuWaitRatioMax() == null ? Double.NaN : sample.getVcpuWaitRatioMax(),
                sample.getCpuPressureSome10() == null ? Double.NaN : sample.getCpuPressureSome10());
    }

    /** The rule itself, on peaks (NaN: the figure is absent): any one reaching its threshold. */
    private boolean crossedBy(double peakLoadPerCpu, double worstVcpuWait, double peakCpuPressure) {
        return peakLoadPerCpu >= loadPerCpu || worstVcpuWait >= vcpuWait || peakCpuPressure >= cpuPressure;
    }

    private static boolean crosses(java.util.OptionalDouble peak, double threshold) {
        return peak.isPresent() && peak.getAsDouble() >= threshold;
    }

    public OverloadJudgement judge(LoadWindow window) {
        List<String> crossed = new ArrayList<>();
        List<String> below = new ArrayList<>();
        window.peakLoadPerCpu().ifPresent(v -> (crosses(window.peakLoadPerCpu(), loadPerCpu) ? crossed : below)
                .add(String.format(Locale.ROOT, "load1/CPUs peaked at %.2f (threshold %.2f)", v, loadPerCpu)));
        window.worstVcpuWait().ifPresent(v -> (crosses(window.worstVcpuWait(), vcpuWait) ? crossed : below)
                .add(String.format(Locale.ROOT, "the worst vCPU waited %.0f %% of an interval (threshold %.0f %%)",
                        v * 100, vcpuWait * 100)));
        window.peakCpuPressure().ifPresent(v -> (crosses(window.peakCpuPressure(), cpuPressure) ? crossed : below)
                .add(String.format(Locale.ROOT, "CPU pressure (PSI some avg10) peaked at %.0f %% (threshold %.0f %%)",
                        v, cpuPressure)));
        return new OverloadJudgement(!crossed.isEmpty(), crossed, below);
    }
}
