package dev.panicwatch.streams.advice;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

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

    public OverloadJudgement judge(LoadWindow window) {
        List<String> crossed = new ArrayList<>();
        List<String> below = new ArrayList<>();
        window.peakLoadPerCpu().ifPresent(v -> (v >= loadPerCpu ? crossed : below)
                .add(String.format(Locale.ROOT, "load1/CPUs peaked at %.2f (threshold %.2f)", v, loadPerCpu)));
        window.worstVcpuWait().ifPresent(v -> (v >= vcpuWait ? crossed : below)
                .add(String.format(Locale.ROOT, "the worst vCPU waited %.0f %% of an interval (threshold %.0f %%)",
                        v * 100, vcpuWait * 100)));
        window.peakCpuPressure().ifPresent(v -> (v >= cpuPressure ? crossed : below)
                .add(String.format(Locale.ROOT, "CPU pressure (PSI some avg10) peaked at %.0f %% (threshold %.0f %%)",
                        v, cpuPressure)));
        return new OverloadJudgement(!crossed.isEmpty(), crossed, below);
    }
}
