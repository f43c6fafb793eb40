package dev.panicwatch.streams.remediations;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.LoadEvidence;
import dev.panicwatch.schemas.PanicClass;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;

class RemediationTextTest {

    @Test
    void adviceReadsAsWhatToChangeOnWhichVmAndWhy() {
        RemediationEvent event = RemediationEvent.newBuilder()
                .setRemediationId("r1").setVmId("pve1/104").setHostId("pve1")
                .setCreatedTime(Instant.parse("2024-05-08T10:03:00Z")).setPanicClass(PanicClass.TLB_FLUSH_TIMEOUT)
                .setTriggeringReportIds(List.of("rep1")).setPanicsInWindow(1)
                .setEvidence(LoadEvidence.newBuilder().setWindowStart(Instant.parse("2024-05-08T09:50:00Z"))
                        .setWindowEnd(Instant.parse("2024-05-08T10:01:00Z")).setSamples(3).setOverloaded(true)
                        .setPeakLoadPerCpu(3.4375).setWorstVcpuWaitRatio(0.8).setLoadPerCpuThreshold(1.0)
                        .setVcpuWaitThreshold(0.25).setCpuPressureThreshold(40.0).build())
                .setCurrentVti(6).setSuggestedVti(9).setSuggestedBootArgs("keepsyms=1 tlbto_us=0 vti=9")
                .setActions(List.of(RemediationAction.RAISE_VTI, RemediationAction.DISABLE_TLB_TIMEOUT,
                        RemediationAction.REDUCE_HOST_LOAD))
                .setRationale("The host was overloaded.").build();
        // 3.4375 → "3.44"; 0.8 → "80 %".
        assertThat(RemediationText.readable(event)).isEqualTo("""
                2024-05-08T10:03:00Z  VM pve1/104 on host pve1: TLB_FLUSH_TIMEOUT, 1 timeout panic in the window
                  do:        RAISE_VTI, DISABLE_TLB_TIMEOUT, REDUCE_HOST_LOAD
                  boot-args: keepsyms=1 tlbto_us=0 vti=9   (vti 6 → 9)
                  load:      3 samples, peak load/CPU 3.44, worst vCPU wait 80 % (overloaded)
                  why:       The host was overloaded.""");
    }
}
