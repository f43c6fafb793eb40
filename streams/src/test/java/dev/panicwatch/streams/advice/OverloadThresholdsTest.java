package dev.panicwatch.streams.advice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;

/** The per-sample check the load summaries count with says what the advice's judgement says of that sample. */
class OverloadThresholdsTest {

    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");
    private final OverloadThresholds defaults = new OverloadThresholds(1.0, 0.25, 40);

    private static HostLoadSample sample(int hostCpus, double load1, Double wait, Double psi) {
        return HostLoadSample.newBuilder().setHostId("pve1").setVmId("pve1/101").setSampleTime(T)
                .setIntervalMillis(10_000).setHostCpus(hostCpus).setLoad1(load1).setLoad5(load1).setLoad15(load1)
                .setVmVcpus(8).setVcpuWaitRatioMax(wait).setCpuPressureSome10(psi).build();
    }

    @Test
    void eachSignalAloneCrossesAtItsThresholdAndAbsentOnesNever() {
        assertThat(defaults.crossedBy(sample(32, 32.0, null, null))).as("load1/CPUs exactly 1.0").isTrue();
        assertThat(defaults.crossedBy(sample(32, 31.9, null, null))).isFalse();
        assertThat(defaults.crossedBy(sample(32, 8.0, 0.25, null))).as("vCPU wait 25 %").isTrue();
        assertThat(defaults.crossedBy(sample(32, 8.0, 0.24, 39.9))).isFalse();
        assertThat(defaults.crossedBy(sample(32, 8.0, null, 40.0))).as("PSI 40 %").isTrue();
        // No host CPUs: no load per CPU, however high load1 is.
        assertThat(defaults.crossedBy(sample(0, 500.0, null, null))).isFalse();
    }

    @Test
    void theSampleCheckAgreesWithTheJudgementOfAOneSampleWindow() {
        for (int cpus : new int[] {0, 16, 32}) {
            for (double load1 : new double[] {0, 15.9, 16, 31.9, 32, 110}) {
                for (Double wait : new Double[] {null, 0.0, 0.249, 0.25, 1.0}) {
                    for (Double psi : new Double[] {null, 10.0, 40.0}) {
                        HostLoadSample s = sample(cpus, load1, wait, psi);
                        LoadWindow window = LoadWindow.of(T, T, List.of(s));
                        assertThat(defaults.crossedBy(s)).as("%s", s)
                                .isEqualTo(defaults.judge(window).overloaded())
                                .isEqualTo(defaults.crossedBy(window));
                    }
                }
            }
        }
    }
}
