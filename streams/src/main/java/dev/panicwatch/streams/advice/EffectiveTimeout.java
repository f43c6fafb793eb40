package dev.panicwatch.streams.advice;

import java.util.Locale;

/** XNU's TLB/lock timeout in a VM on a release kernel: LockTimeOut (500 ms) shifted left by vti. */
public final class EffectiveTimeout {

    static final long BASE_MILLIS = 500;
    /** XNU from macOS 11 saturates the shifted timeout at 2^47 ns; larger shifts are meaningless. */
    private static final int MAX_SHIFT = 40;

    private EffectiveTimeout() {
    }

    /** 500 ms × 2^vti: vti 6 → 32 000 ms, 9 → 256 000 ms. */
    public static long millis(int vti) {
        return BASE_MILLIS << Math.max(0, Math.min(MAX_SHIFT, vti));
    }

    /** "32 s", "256 s", "2048 s (34 min)", "131072 s (36.4 h)". */
    public static String format(long millis) {
        if (millis < 1000) {
            return millis + " ms";
        }
        long seconds = millis / 1000;
        String text = (millis % 1000 == 0 ? Long.toString(seconds) : String.format(Locale.ROOT, "%.1f", millis / 1000.0))
                + " s";
        if (seconds >= 3600) {
            return text + String.format(Locale.ROOT, " (%.1f h)", seconds / 3600.0);
        }
        if (seconds >= 600) {
            return text + " (" + seconds / 60 + " min)";
        }
        return text;
    }
}
