package dev.panicwatch.streams.topology;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonAlias;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.streams.advice.PanicFacts;

/**
 * A timeout panic waiting for its load window to fill: stored as JSON in {@link StoreNames#PENDING_PANICS} until
 * its VM's samples have been read up to {@code samplesUntilMillis} (panic + look-ahead + grace) or the wall clock
 * passes {@code wallDeadlineMillis} (and the task has read its host-load backlog; see {@link PanicLoadCorrelator}).
 * {@code samplesUntilMillis} was {@code streamDeadlineMillis} (task stream time) before issue 11; entries stored
 * under that name are read with it ({@code Long.MAX_VALUE} there meant "wall clock only", which still holds).
 */
record PendingPanic(String reportId, String vmId, String hostId, long panicTimeMillis, String panicClass,
                    boolean vtiHelps, int currentVti, String xnuVersion, String bootArgs, String reason,
                    @JsonAlias("streamDeadlineMillis") long samplesUntilMillis, long wallDeadlineMillis) {

    /** Store key: VM first, so one VM's panics sit together. */
    String storeKey() {
        return vmId + '\u0000' + reportId;
    }

    /**
     * @param vmSamplesRead  whether this task has read a sample of this VM at or after {@code samplesUntilMillis}
     * @param wallNotBefore  no decision by the wall clock before this: grace after the task had read its host-load
     *                       backlog ({@code Long.MAX_VALUE} while it has not)
     */
    boolean isDue(boolean vmSamplesRead, long wallTime, long wallNotBefore) {
        return vmSamplesRead || wallTime >= Math.max(wallDeadlineMillis, wallNotBefore);
    }

    PanicFacts facts(String hostFromSamples) {
        return new PanicFacts(reportId, vmId, hostId != null ? hostId : hostFromSamples,
                Instant.ofEpochMilli(panicTimeMillis), PanicClass.valueOf(panicClass), vtiHelps, currentVti,
                xnuVersion, bootArgs, reason);
    }
}
