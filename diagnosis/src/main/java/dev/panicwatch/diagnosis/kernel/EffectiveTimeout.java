package dev.panicwatch.diagnosis.kernel;

import java.util.Locale;

/**
 * The TLB-flush and spinlock timeout a release kernel runs with in a VM (docs/design.md#timeouts):
 * {@code LockTimeOut} (500 ms) shifted left by vti, 0.5 s x 2^vti.
 */
public final class EffectiveTimeout {

    /** {@code LockTimeOut} of a release kernel, which {@code TLBTimeOut} copies unless {@code tlbto_us} is set. */
    public static final long LOCK_TIMEOUT_MILLIS = 500;

    /**
     * Largest shift the formula is used for. Real kernels stop following it long before (the shift wraps up to
     * xnu-6153 and saturates at 2^47 ns from xnu-7195), which is why the advice caps vti far lower; this bound only
     * keeps a stray boot-arg from overflowing the arithmetic.
     */
    public static final int MAX_VTI = 40;

    private EffectiveTimeout() {
    }

    /** Whether {@link #millis} follows the formula for this vti rather than clamping it. */
    public static boolean covers(int vti) {
        return vti >= 0 && vti <= MAX_VTI;
    }

    /** 500 ms x 2^vti: vti 6 -> 32 000 ms, 9 -> 256 000 ms; a vti outside 0..{@link #MAX_VTI} is clamped. */
    public static long millis(int vti) {
        return LOCK_TIMEOUT_MILLIS << Math.max(0, Math.min(MAX_VTI, vti));
    }

    /** "500 ms", "32 s", "2048 s (34 min)", "131072 s (36.4 h)". */
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
