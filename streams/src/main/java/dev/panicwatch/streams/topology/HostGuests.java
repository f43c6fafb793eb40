package dev.panicwatch.streams.topology;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import dev.panicwatch.streams.advice.GuestObservation;

/**
 * The guests of one host, as the peer warning knows them: keyed by vmId, sorted so rationales list them in a stable
 * order. Put together from the per-guest entries of the guests-per-host store when an advice on the host is read.
 */
record HostGuests(Map<String, Guest> guests) {

    /**
     * Observations kept per guest, so the warning can use what a guest ran at the advice's time even when newer
     * observations were read first (a replay publishes a day in seconds).
     */
    static final int OBSERVATIONS_KEPT = 8;

    HostGuests {
        guests = new TreeMap<>(guests);
    }

    /**
     * @param firstSeenMillis  time of its earliest sample or observation on this host
     * @param lastSeenMillis   time of its latest one
     * @param observations     its latest guest states, oldest first (at most {@link #OBSERVATIONS_KEPT})
     * @param lastWarnedMillis advice time of the last preventive advice it got (null: never)
     */
    record Guest(long firstSeenMillis, long lastSeenMillis, List<GuestObservation> observations, Long lastWarnedMillis) {

        Guest {
            observations = List.copyOf(observations);
        }

        static Guest seenAt(long millis) {
            return new Guest(millis, millis, List.of(), null);
        }

        Guest seen(long millis) {
            return new Guest(Math.min(firstSeenMillis, millis), Math.max(lastSeenMillis, millis), observations,
                    lastWarnedMillis);
        }

        /** With {@code o} in time order; a repeat of a kept observation time changes nothing but the sighting. */
        Guest observed(GuestObservation o) {
            List<GuestObservation> kept = GuestObservation.keptWith(observations, o, OBSERVATIONS_KEPT);
            return new Guest(Math.min(firstSeenMillis, o.observedMillis()),
                    Math.max(lastSeenMillis, o.observedMillis()), kept, lastWarnedMillis);
        }

        Guest warnedAt(long millis) {
            return new Guest(firstSeenMillis, lastSeenMillis, observations, millis);
        }

        /** The newest observation made at or before {@code millis}, or null ("unknown vti" then). */
        GuestObservation asOf(long millis) {
            GuestObservation found = null;
            for (GuestObservation o : observations) {
                if (o.observedMillis() <= millis) {
                    found = o;
                }
            }
            return found;
        }
    }
}
