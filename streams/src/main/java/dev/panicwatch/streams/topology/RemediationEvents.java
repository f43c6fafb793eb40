package dev.panicwatch.streams.topology;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

import dev.panicwatch.schemas.LoadEvidence;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.advice.Advice;
import dev.panicwatch.streams.advice.AdviceCooldown;
import dev.panicwatch.streams.advice.LoadWindow;
import dev.panicwatch.streams.advice.OverloadThresholds;
import dev.panicwatch.streams.advice.PanicFacts;

/** Assembles the published {@link RemediationEvent} from a decided piece of advice. */
final class RemediationEvents {

    private RemediationEvents() {
    }

    static RemediationEvent of(PanicFacts panic, LoadWindow load, OverloadThresholds thresholds, Advice advice,
                               AdviceCooldown.Decision decision, Instant createdTime) {
        LoadEvidence evidence = LoadEvidence.newBuilder()
                .setWindowStart(load.start())
                .setWindowEnd(load.end())
                .setSamples(load.samples())
                .setOverloaded(advice.overload().overloaded())
                .setPeakLoadPerCpu(boxed(load.peakLoadPerCpu()))
                .setWorstVcpuWaitRatio(boxed(load.worstVcpuWait()))
                .setPeakCpuPressureSome10(boxed(load.peakCpuPressure()))
                .setSeverity(boxed(load.severity()))
                .setLoadPerCpuThreshold(thresholds.loadPerCpu())
                .setVcpuWaitThreshold(thresholds.vcpuWait())
                .setCpuPressureThreshold(thresholds.cpuPressure())
                .build();
        return RemediationEvent.newBuilder()
                .setRemediationId(remediationId(panic.vmId(), panic.reportId()))
                .setVmId(panic.vmId())
                .setHostId(panic.hostId())
                .setCreatedTime(createdTime)
                .setPanicClass(PublishedPanicClass.of(panic.panicClass()))
                .setTriggeringReportIds(decision.triggeringReportIds())
                .setPanicsInWindow(decision.panicsInWindow())
                .setEvidence(evidence)
                .setVtiHelps(panic.vtiHelps())
                .setXnuVersion(panic.xnuVersion())
                .setCurrentVti(panic.currentVti())
                .setSuggestedVti(advice.suggestedVti())
                .setSuggestedBootArgs(advice.suggestedBootArgs())
                .setEffectiveTimeoutBeforeMillis(advice.timeoutBeforeMillis())
                .setEffectiveTimeoutAfterMillis(advice.timeoutAfterMillis())
                .setActions(advice.actions())
                .setRationale(advice.rationale())
                .build();
    }

    /**
     * SHA-256 of vmId and the triggering reportId, hex: the same report of the same VM always yields the same id, so
     * a consumer can drop an event it already applied (e.g. after a replay).
     */
    static String remediationId(String vmId, String reportId) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] digest = sha.digest((vmId + '\u0000' + reportId).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    private static Double boxed(java.util.OptionalDouble v) {
        return v.isPresent() ? v.getAsDouble() : null;
    }
}
