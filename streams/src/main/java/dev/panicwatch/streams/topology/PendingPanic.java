package dev.panicwatch.streams.topology;

import dev.panicwatch.streams.advice.PanicFacts;

/**
 * A timeout panic waiting for its load window to fill: its facts, parked in {@link StoreNames#PENDING_PANICS} (as
 * {@link PendingPanicSerde} writes them) until its VM's samples have been read up to {@code samplesUntilMillis}
 * (panic + look-ahead + grace) or the wall clock passes {@code wallDeadlineMillis} (and the task has read its
 * host-load backlog; see {@link PanicLoadCorrelator}).
 *
 * @param facts              the panic as classified
 * @param samplesUntilMillis a sample of the VM at or after this decides the panic ({@code Long.MAX_VALUE}: never,
 *                           the wall clock only; entries stored before issue 11 may say so)
 * @param wallDeadlineMillis the wall-clock time after which a quiet VM's panic is decided
 */
record PendingPanic(PanicFacts facts, long samplesUntilMillis, long wallDeadlineMillis) {

    /** Store key: VM first, so one VM's panics sit together. */
    String storeKey() {
        return facts.vmId() + '\u0000' + facts.reportId();
    }

    /**
     * @param vmSamplesRead  whether this task has read a sample of this VM at or after {@code samplesUntilMillis}
     * @param wallNotBefore  no decision by the wall clock before this: grace after the task had read its host-load
     *                       backlog ({@code Long.MAX_VALUE} while it has not)
     */
    boolean isDue(boolean vmSamplesRead, long wallTime, long wallNotBefore) {
        return vmSamplesRead || wallTime >= Math.max(wallDeadlineMillis, wallNotBefore);
    }
}
