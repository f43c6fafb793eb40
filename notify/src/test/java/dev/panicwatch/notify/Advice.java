package dev.panicwatch.notify;

import java.time.Instant;
import java.util.List;

import dev.panicwatch.schemas.LoadEvidence;
import dev.panicwatch.schemas.PanicClass;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;

/**
 * Remediation events as the topology writes them, for the worked example of docs/design.md#worked-example (vti 6 -> 9
 * on 32 CPUs at 110).
 */
final class Advice {

    private Advice() {
    }

    static RemediationEvent raiseVti(String vm, String host) {
        Instant now = Instant.parse("2026-11-30T10:15:00Z");
        return RemediationEvent.newBuilder().setRemediationId("rem-" + vm).setVmId(vm).setHostId(host)
                .setCreatedTime(now).setPanicClass(PanicClass.TLB_FLUSH_TIMEOUT)
                .setTriggeringReportIds(List.of("report-" + vm)).setPanicsInWindow(1)
                .setEvidence(LoadEvidence.newBuilder().setWindowStart(now.minusSeconds(600))
                        .setWindowEnd(now.plusSeconds(60)).setSamples(66).setOverloaded(true).setPeakLoadPerCpu(3.44)
                        .setSeverity(3.44).setLoadPerCpuThreshold(1.0).setVcpuWaitThreshold(0.25)
                        .setCpuPressureThreshold(40).build())
                .setVtiHelps(true).setXnuVersion("6153.121.2").setCurrentVti(6).setSuggestedVti(9)
                .setSuggestedBootArgs("keepsyms=1 tlbto_us=0 vti=9").setEffectiveTimeoutBeforeMillis(32_000L)
                .setEffectiveTimeoutAfterMillis(256_000L)
                .setActions(List.of(RemediationAction.RAISE_VTI, RemediationAction.DISABLE_TLB_TIMEOUT,
                        RemediationAction.REDUCE_HOST_LOAD))
                .setRationale("TLB flush timeout panic on " + vm + "; set vti=9: timeout 32 s -> 256 s.").build();
    }

    static RemediationEvent investigate(String vm, String host) {
        RemediationEvent e = raiseVti(vm, host);
        e.setRemediationId("rem-investigate-" + vm);
        e.setSuggestedVti(null);
        e.setSuggestedBootArgs(null);
        e.setActions(List.of(RemediationAction.INVESTIGATE));
        return e;
    }
}
