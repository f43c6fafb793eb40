package dev.panicwatch.streams.topology;

import java.time.Instant;

import dev.panicwatch.schemas.PanicClass;
import dev.panicwatch.streams.advice.PanicFacts;

/**
 * A timeout panic waiting for its load window to fill: stored as JSON in {@link StoreNames#PENDING_PANICS} until
 * stream time passes {@code streamDeadlineMillis} or the wall clock passes {@code wallDeadlineMillis}.
 */
record PendingPanic(String reportId, String vmId, String hostId, long panicTimeMillis, String panicClass,
                    boolean vtiHelps, int currentVti, String xnuVersion, String bootArgs, String reason,
                    long streamDeadlineMillis, long wallDeadlineMillis) {

    /** Store key: VM first, so one VM's panics sit together. */
    String storeKey() {
        return vmId + '\u0000' + reportId;
    }

    /**
     * @param wallNotBefore no decision by the wall clock before this (the app's start + grace: samples that waited in
     *                      Kafka while it was down get read first)
     */
    boolean isDue(long streamTime, long wallTime, long wallNotBefore) {
        return streamTime >= streamDeadlineMillis || wallTime >= Math.max(wallDeadlineMillis, wallNotBefore);
    }

    PanicFacts facts(String hostFromSamples) {
        return new PanicFacts(reportId, vmId, hostId != null ? hostId : hostFromSamples,
                Instant.ofEpochMilli(panicTimeMillis), PanicClass.valueOf(panicClass), vtiHelps, currentVti,
                xnuVersion, bootArgs, reason);
    }
}
