package dev.panicwatch.streams.topology;

import java.util.Map;
import java.util.TreeMap;

/**
 * Panics of one VM in one rate window, by {@code PanicClass} name: the value of
 * {@link StoreNames#PANIC_COUNTS_PER_VM_BY_CLASS}, so a VM's rate can say which kinds of panic make it up. Stored as
 * JSON ({@code {"counts":{"TLB_FLUSH_TIMEOUT":2}}}); immutable.
 */
public record PanicClassCounts(Map<String, Long> counts) {

    public PanicClassCounts {
        counts = counts == null ? Map.of() : Map.copyOf(counts);
    }

    public static PanicClassCounts none() {
        return new PanicClassCounts(Map.of());
    }

    /** These counts with one more panic of {@code panicClass}. */
    public PanicClassCounts plus(String panicClass) {
        Map<String, Long> next = new TreeMap<>(counts);
        next.merge(panicClass, 1L, Long::sum);
        return new PanicClassCounts(next);
    }
}
