package dev.panicwatch.streams.advice;

import java.util.ArrayList;
import java.util.List;

/**
 * One VM's advice outcome as the topology keeps it (docs/design.md#advice-outcome): the VM's recent timeout panics
 * and, once a piece of advice changed its boot-args, where that advice stands. Kept per VM in a state store; every
 * change returns a new value.
 *
 * @param timeoutPanicMillis panic times of the VM's timeout panics, oldest first, kept for the figures before the
 *                           next advice and after the current one
 * @param hostId             host of the VM's latest sample, observation or panic (null while none named one)
 * @param advice             the current advice's lifecycle; null until a piece of advice changed the boot-args
 * @param observations       the VM's latest guest-state observations, oldest first
 */
public record AdviceLifecycle(List<Long> timeoutPanicMillis, String hostId, Tracked advice,
                              List<GuestObservation> observations) {

    /**
     * Observations kept per VM, so advice decided after several of them were read (a replay publishes a day in
     * seconds) still sees each in time order, as it would have live.
     */
    public static final int OBSERVATIONS_KEPT = 8;

    /** A VM's panics are bounded so a guest that panics every minute for weeks cannot grow its entry without end. */
    public static final int MAX_PANICS_KEPT = 2_000;

    public AdviceLifecycle {
        timeoutPanicMillis = List.copyOf(timeoutPanicMillis);
        observations = observations == null ? List.of() : List.copyOf(observations);
    }

    public static AdviceLifecycle none() {
        return new AdviceLifecycle(List.of(), null, null, List.of());
    }

    /** With {@code o} in time order (a repeated observation time is kept once), the oldest beyond the bound dropped. */
    public AdviceLifecycle withObservation(GuestObservation o) {
        List<GuestObservation> kept = GuestObservation.keptWith(observations, o, OBSERVATIONS_KEPT);
        return kept == observations ? this : new AdviceLifecycle(timeoutPanicMillis, hostId, advice, kept);
    }

    /** Timeout panic times in [from, to], oldest first. */
    public List<Long> timeoutPanicsIn(long from, long to) {
        return timeoutPanicMillis.stream().filter(t -> t >= from && t <= to).toList();
    }

    /** With {@code panicMillis} added in order, and panics older than {@code keepFrom} forgotten. */
    public AdviceLifecycle withTimeoutPanic(long panicMillis, long keepFrom) {
        List<Long> kept = new ArrayList<>();
        for (long t : timeoutPanicMillis) {
            if (t >= keepFrom) {
                kept.add(t);
            }
        }
        int at = kept.size();
        while (at > 0 && kept.get(at - 1) > panicMillis) {
            at--;
        }
        kept.add(at, panicMillis);
        while (kept.size() > MAX_PANICS_KEPT) {
            kept.remove(0);
        }
        return new AdviceLifecycle(kept, hostId, advice, observations);
    }

    /** Timeout panics in [from, to], both ends included. */
    public int timeoutPanicsBetween(long from, long to) {
        return timeoutPanicsIn(from, to).size();
    }

    public AdviceLifecycle withHost(String host) {
        return host == null || host.isBlank() || host.equals(hostId) ? this
                : new AdviceLifecycle(timeoutPanicMillis, host, advice, observations);
    }

    public AdviceLifecycle with(Tracked tracked) {
        return new AdviceLifecycle(timeoutPanicMillis, hostId, tracked, observations);
    }

    /**
     * Where one piece of advice stands.
     *
     * @param status            ADVISED, APPLIED, EFFECTIVE, INEFFECTIVE or NOT_APPLIED (the Avro symbol names)
     * @param remediationId     the advice's RemediationEvent id
     * @param advisedMillis     event time of the advice: its panic's time
     * @param suggestedVti      what APPLIED needs at least
     * @param tlbTimeoutDisabled whether APPLIED needs tlbto_us=0 too
     * @param suggestedBootArgs the advice's boot-args
     * @param appliedMillis     when the guest was first seen running it (null before)
     * @param before            the figures of the stretch before the advice, fixed when it was advised
     * @param afterSamples      samples since APPLIED
     * @param afterOverloaded   of those, overloaded ones
     * @param reminded          whether NOT_APPLIED was sent since the advice or since it was last applied
     * @param lastTransitionMillis event time of the latest transition
     * @param countedThroughMillis time of the latest sample counted in afterSamples, so one read both before and
     *                          after APPLIED (a backfill from the load store) is counted once
     */
    public record Tracked(String status, String remediationId, long advisedMillis, int suggestedVti,
                          boolean tlbTimeoutDisabled, String suggestedBootArgs, Long appliedMillis, Period before,
                          int afterSamples, int afterOverloaded, boolean reminded, long lastTransitionMillis,
                          long countedThroughMillis) {

        public Tracked moveTo(String newStatus, long atMillis) {
            return new Tracked(newStatus, remediationId, advisedMillis, suggestedVti, tlbTimeoutDisabled,
                    suggestedBootArgs, appliedMillis, before, afterSamples, afterOverloaded, reminded, atMillis,
                    countedThroughMillis);
        }

        /** APPLIED at {@code atMillis}, with the samples already read since then counted. */
        public Tracked applied(long atMillis, int samples, int overloaded, long countedThrough) {
            return new Tracked("APPLIED", remediationId, advisedMillis, suggestedVti, tlbTimeoutDisabled,
                    suggestedBootArgs, atMillis, before, samples, overloaded, false, atMillis, countedThrough);
        }

        public Tracked notApplied(long atMillis) {
            return new Tracked("NOT_APPLIED", remediationId, advisedMillis, suggestedVti, tlbTimeoutDisabled,
                    suggestedBootArgs, appliedMillis, before, afterSamples, afterOverloaded, true, atMillis,
                    countedThroughMillis);
        }

        /** With a sample at {@code atMillis} counted, unless one at that time or later was counted already. */
        public Tracked withSample(long atMillis, boolean overloaded) {
            if (atMillis <= countedThroughMillis) {
                return this;
            }
            return new Tracked(status, remediationId, advisedMillis, suggestedVti, tlbTimeoutDisabled,
                    suggestedBootArgs, appliedMillis, before, afterSamples + 1,
                    afterOverloaded + (overloaded ? 1 : 0), reminded, lastTransitionMillis, atMillis);
        }

        /** Whether boot-args with this vti and tlbto_us carry the advice. */
        public boolean carriedBy(int vti, Integer tlbtoUs) {
            return vti >= suggestedVti && (!tlbTimeoutDisabled || (tlbtoUs != null && tlbtoUs == 0));
        }

        public boolean isOpen() {
            return status.equals("ADVISED") || status.equals("APPLIED") || status.equals("NOT_APPLIED");
        }

        public Double afterOverloadedShare() {
            return afterSamples == 0 ? null : (double) afterOverloaded / afterSamples;
        }
    }

    /**
     * Figures of a stretch [startMillis, endMillis], both ends included.
     *
     * @param timeoutPanics     timeout panics in it
     * @param samples           load samples in it
     * @param overloadedSamples of those, overloaded ones
     */
    public record Period(long startMillis, long endMillis, int timeoutPanics, int samples, int overloadedSamples) {

        public double timeoutPanicsPerDay() {
            double days = (endMillis - startMillis) / 86_400_000.0;
            return days <= 0 ? 0 : timeoutPanics / days;
        }

        public Double overloadedShare() {
            return samples == 0 ? null : (double) overloadedSamples / samples;
        }
    }
}
