package dev.panicwatch.streams.advice;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.diagnosis.kernel.EffectiveTimeout;
import dev.panicwatch.diagnosis.kernel.VtiCap;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.streams.config.PipelineSettings;

/**
 * docs/design.md#advice-rules: turns a classified panic and the host load around it into advice. A vti-governed timeout on an
 * overloaded host gets {@code suggestedVti = min(cap, currentVti + clamp(1 + ceil(log2 R), stepMin, stepMax))}: the
 * timeout must grow by about the factor R the vCPU was slowed by, plus one doubling of margin.
 */
public final class VtiAdvisor {

    private final OverloadThresholds thresholds;
    private final VtiCap cap;
    private final int stepMin;
    private final int stepMax;

    public VtiAdvisor(OverloadThresholds thresholds, VtiCap cap, int stepMin, int stepMax) {
        this.thresholds = thresholds;
        this.cap = cap;
        this.stepMin = stepMin;
        this.stepMax = stepMax;
    }

    public static VtiAdvisor from(PipelineSettings settings) {
        return new VtiAdvisor(OverloadThresholds.from(settings), settings.vtiCap(),
                settings.vtiStepMin(), settings.vtiStepMax());
    }

    public OverloadThresholds thresholds() {
        return thresholds;
    }

    /**
     * @param panic                the classified panic
     * @param load                 the VM's load window around it
     * @param escalatingFromVti    the vti the last advice suggested, when the guest already runs at least that and
     *                             panicked anyway (null otherwise); only changes the rationale, since the step is
     *                             always taken from the vti in force
     */
    public Advice advise(PanicFacts panic, LoadWindow load, Integer escalatingFromVti) {
        // Judged once here: the verdict below and the published evidence both come from this judgement.
        OverloadJudgement judgement = thresholds.judge(load);
        if (!panic.panicClass().isTimeout()) {
            return new Advice(Verdict.NO_REMEDIATION, List.of(), null, null, null, null,
                    "Not a timeout panic (" + panic.diagnosisReason() + "); counted, no remediation.", judgement);
        }
        String what = describePanic(panic);
        Long before = panic.vtiHelps() ? EffectiveTimeout.millis(panic.currentVti()) : null;
        if (!load.hasSamples()) {
            return new Advice(Verdict.NO_LOAD_DATA, List.of(RemediationAction.INVESTIGATE), null, null, before, null,
                    what + " No load data: no load sample of this VM fell in " + window(load)
                            + " before the grace period ended, so host overload can be neither confirmed nor ruled "
                            + "out. Check that the host sampler runs for this VM, then look at the panic itself"
                            + currentTimeout(panic) + ".", judgement);
        }
        if (!judgement.overloaded()) {
            return new Advice(Verdict.NOT_OVERLOADED, List.of(RemediationAction.INVESTIGATE), null, null, before, null,
                    what + " The host was not overloaded in " + window(load) + " (" + samples(load) + ": "
                            + String.join("; ", judgement.below()) + "), so a starved vCPU does not explain it; "
                            + "investigate the guest (drivers, kexts, a hung device)" + currentTimeout(panic) + ".",
                    judgement);
        }
        // Host-side commands with this VM's figures (docs/design.md#advice-rules).
        String reduceLoad = ProxmoxCommands.reduceLoad(panic.vmId(), load.latest());
        String overload = " The host was overloaded in " + window(load) + " (" + samples(load) + ": "
                + String.join("; ", judgement.crossed()) + "; severity R = " + fmt(load.severity().orElse(1.0))
                + ", i.e. a vCPU ran up to " + fmt(load.severity().orElse(1.0)) + "× slower than it expects).";
        if (!panic.vtiHelps()) {
            return new Advice(Verdict.NOT_VTI_GOVERNED, List.of(RemediationAction.REDUCE_HOST_LOAD), null, null,
                    null, null, what + overload + " Raising vti does not lengthen this timeout here ("
                    + panic.diagnosisReason() + "). " + reduceLoad, judgement);
        }
        int kernelCap = cap.forKernel(panic.xnuVersion());
        String escalation = escalatingFromVti == null ? "" : " The guest already runs vti=" + panic.currentVti()
                + " (the last advice suggested " + escalatingFromVti + ") and still panicked: escalating.";
        if (panic.currentVti() >= kernelCap) {
            return new Advice(Verdict.AT_VTI_CAP, List.of(RemediationAction.REDUCE_HOST_LOAD), null, null, before,
                    null, what + overload + escalation + " The guest already runs vti=" + panic.currentVti()
                    + " (timeout " + EffectiveTimeout.format(before) + "), at or above the " + cap.describe(panic.xnuVersion())
                    + "; vti cannot help further. " + reduceLoad, judgement);
        }
        double severity = load.severity().orElse(1.0);
        int rawStep = 1 + ceilLog2(severity);
        int step = Math.max(stepMin, Math.min(stepMax, rawStep));
        int suggested = Math.min(kernelCap, panic.currentVti() + step);
        boolean tlb = panic.panicClass() == PanicClass.TLB_FLUSH_TIMEOUT;
        String bootArgs = BootArgs.withVti(panic.bootArgs(), suggested, tlb);
        long after = EffectiveTimeout.millis(suggested);
        List<RemediationAction> actions = new ArrayList<>();
        actions.add(RemediationAction.RAISE_VTI);
        if (tlb) {
            actions.add(RemediationAction.DISABLE_TLB_TIMEOUT);
        }
        actions.add(RemediationAction.REDUCE_HOST_LOAD);
        String stepText = String.format(Locale.ROOT, "+%d = 1 + ceil(log2 %s)%s", suggested - panic.currentVti(),
                fmt(severity), suggested - panic.currentVti() != rawStep
                        ? ", clamped to " + stepMin + ".." + stepMax + " and the " + cap.describe(panic.xnuVersion()) : "");
        String rationale = what + overload + escalation + " The guest ran vti=" + panic.currentVti()
                + ", so its TLB/lock timeout was " + EffectiveTimeout.format(before) + " and a starved vCPU missed it."
                + " Set vti=" + suggested + " (" + stepText + "): timeout " + EffectiveTimeout.format(before) + " → "
                + EffectiveTimeout.format(after) + "."
                + (tlb ? " Also set tlbto_us=0 so a late TLB flush is traced instead of panicking (the vCPU keeps waiting)." : "")
                + " Boot-args: " + bootArgs + ". " + reduceLoad;
        return new Advice(Verdict.RAISE_VTI, actions, suggested, bootArgs, before, after, rationale, judgement);
    }

    /** Smallest k with 2^k ≥ r (0 for r ≤ 1), exact for powers of two where Math.log would round. */
    static int ceilLog2(double r) {
        int k = 0;
        double power = 1.0;
        while (power < r && k < 64) {
            power *= 2;
            k++;
        }
        return k;
    }

    private static String describePanic(PanicFacts panic) {
        return label(panic.panicClass()) + " panic on " + panic.vmId()
                + (panic.xnuVersion() == null ? "" : " (" + panic.xnuVersion() + ")") + " at " + panic.panicTime() + ".";
    }

    private static String currentTimeout(PanicFacts panic) {
        return panic.vtiHelps() ? " (vti=" + panic.currentVti() + ", timeout "
                + EffectiveTimeout.format(EffectiveTimeout.millis(panic.currentVti())) + ")" : "";
    }

    private static String samples(LoadWindow load) {
        return load.samples() == 1 ? "1 sample" : load.samples() + " samples";
    }

    private static String window(LoadWindow load) {
        return "[" + load.start() + ", " + load.end() + "]";
    }

    static String label(PanicClass c) {
        return switch (c) {
            case TLB_FLUSH_TIMEOUT -> "TLB flush timeout";
            case CROSS_CALL_TIMEOUT -> "Cross-call timeout";
            case SPINLOCK_TIMEOUT -> "Spinlock timeout";
            case INTERRUPT_WATCHDOG_TIMEOUT -> "Interrupt watchdog timeout";
            case WATCHDOG_TIMEOUT -> "Userspace watchdog timeout";
            case OTHER_TIMEOUT -> "Timeout";
            case NON_TIMEOUT -> "Non-timeout";
        };
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.2f", v);
    }
}
