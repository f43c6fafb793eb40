package dev.panicwatch.streams.advice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.streams.config.PipelineSettings;

/** The advice rules without Kafka (docs/design.md#advice-rules defaults: thresholds 1.0 / 0.25 / 40, step 1..4, caps 12 / 18). */
class VtiAdvisorTest {

    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");
    private final VtiAdvisor advisor = VtiAdvisor.from(PipelineSettings.defaults());

    private static PanicFacts panic(PanicClass c, boolean vtiHelps, int vti, String xnu, String bootArgs) {
        return new PanicFacts("r1", "pve1/104", "pve1", T, c, vtiHelps, vti, xnu, bootArgs, "test");
    }

    private static LoadWindow window(HostLoadSample... samples) {
        return LoadWindow.of(T.minus(Duration.ofMinutes(10)), T.plus(Duration.ofMinutes(1)), List.of(samples));
    }

    private static HostLoadSample sample(int cpus, double load1, Double wait, Double psi) {
        return HostLoadSample.newBuilder().setHostId("pve1").setVmId("pve1/104").setSampleTime(T)
                .setIntervalMillis(10_000).setHostCpus(cpus).setLoad1(load1).setLoad5(load1).setLoad15(load1)
                .setVmVcpus(8).setVcpuWaitRatioMax(wait).setCpuPressureSome10(psi).build();
    }

    @Test
    void workedExample() {
        Advice a = advisor.advise(panic(PanicClass.TLB_FLUSH_TIMEOUT, true, 6, "xnu-6153.121.2", "keepsyms=1"),
                window(sample(32, 110, null, null)), null);
        assertThat(a.verdict()).isEqualTo(Verdict.RAISE_VTI);
        assertThat(a.suggestedVti()).isEqualTo(9);
        assertThat(a.suggestedBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(a.actions()).containsExactly(RemediationAction.RAISE_VTI, RemediationAction.DISABLE_TLB_TIMEOUT,
                RemediationAction.REDUCE_HOST_LOAD);
        assertThat(a.rationale()).contains("32 s → 256 s");
        // The host side names this VM's commands: its id 104, 8 vCPUs of the sample, the default cpuunits doubled.
        assertThat(a.rationale()).contains("On Proxmox: qm set 104 --cpuunits 200 (", "qm set 104 --cores 4 (",
                "qm set 104 --affinity 0-7 (");
        // 110 / 32 = 3.4375: the judgement the event's evidence publishes is the one this verdict rests on.
        assertThat(a.overload().overloaded()).isTrue();
        assertThat(a.overload().crossed()).containsExactly("load1/CPUs peaked at 3.44 (threshold 1.00)");
    }

    @Test
    void stepFollowsSeverityAndIsClamped() {
        // R = 1.0 exactly: 1 + ceil(log2 1) = 1. R = 4.0: 1 + 2 = 3 (no rounding up to 4 from floating point).
        // R = 0.5 (PSI alone crossed): 1 + ceil(-1) = 0 → clamped to 1. R = 64: 1 + 6 = 7 → clamped to 4.
        assertThat(suggested(sample(32, 32, null, null))).isEqualTo(7);
        assertThat(suggested(sample(32, 128, null, null))).isEqualTo(9);
        assertThat(suggested(sample(32, 16, null, 55.0))).isEqualTo(7);
        assertThat(suggested(sample(2, 128, null, null))).isEqualTo(10);
    }

    private int suggested(HostLoadSample s) {
        return advisor.advise(panic(PanicClass.SPINLOCK_TIMEOUT, true, 6, "xnu-7195.101.2", null), window(s), null)
                .suggestedVti();
    }

    @Test
    void overloadByPressureAloneCounts() {
        Advice a = advisor.advise(panic(PanicClass.SPINLOCK_TIMEOUT, true, 6, "xnu-7195.101.2", null),
                window(sample(32, 16, 0.1, 40.0)), null);
        assertThat(a.verdict()).isEqualTo(Verdict.RAISE_VTI);
        assertThat(a.rationale()).contains("CPU pressure");
        assertThat(a.overload().crossed())
                .containsExactly("CPU pressure (PSI some avg10) peaked at 40 % (threshold 40 %)");
        assertThat(a.overload().below()).containsExactly("load1/CPUs peaked at 0.50 (threshold 1.00)",
                "the worst vCPU waited 10 % of an interval (threshold 25 %)");
    }

    @Test
    void nonGovernedTimeoutWithOverloadGetsReduceHostLoadOnly() {
        Advice a = advisor.advise(panic(PanicClass.WATCHDOG_TIMEOUT, false, 6, "xnu-7195.101.2", null),
                window(sample(32, 110, null, null)), null);
        assertThat(a.verdict()).isEqualTo(Verdict.NOT_VTI_GOVERNED);
        assertThat(a.actions()).containsExactly(RemediationAction.REDUCE_HOST_LOAD);
        assertThat(a.suggestedVti()).isNull();
        assertThat(a.timeoutBeforeMillis()).isNull();
    }

    @Test
    void nonTimeoutGetsNoRemediation() {
        Advice a = advisor.advise(panic(PanicClass.NON_TIMEOUT, false, 6, null, null),
                window(sample(32, 110, null, null)), null);
        assertThat(a.isRemediation()).isFalse();
        assertThat(a.actions()).isEmpty();
    }

    @Test
    void escalationIsExplainedInTheRationale() {
        Advice a = advisor.advise(panic(PanicClass.SPINLOCK_TIMEOUT, true, 9, "xnu-6153.121.2", "vti=9"),
                window(sample(32, 110, null, null)), 9);
        assertThat(a.suggestedVti()).isEqualTo(12);
        assertThat(a.rationale()).contains("escalating");
    }

    @Test
    void ceilLog2IsExactOnPowersOfTwo() {
        assertThat(VtiAdvisor.ceilLog2(1.0)).isZero();
        assertThat(VtiAdvisor.ceilLog2(2.0)).isEqualTo(1);
        assertThat(VtiAdvisor.ceilLog2(2.0001)).isEqualTo(2);
        assertThat(VtiAdvisor.ceilLog2(3.4375)).isEqualTo(2);
        assertThat(VtiAdvisor.ceilLog2(8.0)).isEqualTo(3);
        assertThat(VtiAdvisor.ceilLog2(0.3)).isZero();
    }
}
