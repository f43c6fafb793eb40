package dev.panicwatch.streams.advice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;

class LoadWindowTest {

    private static final Instant START = Instant.parse("2026-11-20T09:50:00Z");
    private static final Instant END = Instant.parse("2026-11-20T10:01:00Z");

    private static HostLoadSample at(String time, String host, int cpus, double load1, Double wait, Double psi) {
        return HostLoadSample.newBuilder().setHostId(host).setVmId("vm").setSampleTime(Instant.parse(time))
                .setIntervalMillis(10_000).setHostCpus(cpus).setLoad1(load1).setLoad5(0).setLoad15(0).setVmVcpus(4)
                .setVcpuWaitRatioMax(wait).setCpuPressureSome10(psi).build();
    }

    @Test
    void peaksAndSeverityOverTheSamplesInsideTheBoundsInclusive() {
        LoadWindow w = LoadWindow.of(START, END, List.of(
                at("2026-11-20T09:49:59Z", "old", 32, 640, 0.99, 99.0),   // 1 s before the start: ignored
                at("2026-11-20T09:50:00Z", "pve1", 32, 48, 0.5, 20.0),    // on the start: 1.5, wait 1/(1-0.5) = 2
                at("2026-11-20T10:01:00Z", "pve2", 32, 64, null, 45.0),   // on the end: 2.0
                at("2026-11-20T10:01:01Z", "new", 32, 640, null, null))); // after the end: ignored
        assertThat(w.samples()).isEqualTo(2);
        assertThat(w.latest().getHostId()).as("the last sample inside the bounds").isEqualTo("pve2");
        assertThat(w.peakLoadPerCpu()).hasValue(2.0);
        assertThat(w.worstVcpuWait()).hasValue(0.5);
        assertThat(w.peakCpuPressure()).hasValue(45.0);
        assertThat(w.severity()).hasValue(2.0);
    }

    @Test
    void vcpuThatNeverRanHasTheCappedSeverity() {
        LoadWindow w = LoadWindow.of(START, END, List.of(at("2026-11-20T10:00:00Z", "pve1", 32, 1, 1.0, null)));
        assertThat(w.severity()).hasValue(LoadWindow.MAX_SEVERITY);
    }

    @Test
    void noSamplesMeansNoFigures() {
        LoadWindow w = LoadWindow.of(START, END, List.of());
        assertThat(w.hasSamples()).isFalse();
        assertThat(w.peakLoadPerCpu()).isEmpty();
        assertThat(w.severity()).isEmpty();
    }
}
