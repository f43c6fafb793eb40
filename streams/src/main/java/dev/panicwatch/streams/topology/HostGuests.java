package dev.panicwatch.streams.topology;

import java.util.Map;
import java.util.TreeMap;

/**
 * The guests of one host, as the peer warning knows them: keyed by vmId, sorted so rationales list them in a stable
 * order. Kept per host in a state store.
 */
record HostGuests(Map<String, Guest> guests) {

    HostGuests {
        guests = new TreeMap<>(guests);
    }

    static HostGuests none() {
        return new HostGuests(Map.of());
    }

    /**
     * @param lastSeenMillis     time of its latest sample or observation on this host
     * @param vti                vti of its latest guest state (null: none seen, "unknown vti")
     * @param observedMillis     observation time of that guest state
     * @param bootArgs           its boot-args
     * @param xnuVersion         its kernel
     * @param lastWarnedMillis   advice time of the last preventive advice it got (null: never)
     */
    record Guest(long lastSeenMillis, Integer vti, Long observedMillis, String bootArgs, String xnuVersion,
                 Long lastWarnedMillis) {
    }
}
