package dev.panicwatch.diagnosis.kernel;

/**
 * The highest vti worth suggesting on a guest kernel (docs/design.md#vti-caps). Up to xnu-6153 (macOS 10.15)
 * {@code ml_init_lock_timeout()} shifts the timeouts unchecked, so a large vti wraps them to tiny values and the guest
 * panics at once: the lower cap applies there, and whenever the version is unknown, because a wrong guess that way only
 * costs a smaller raise. From xnu-7195 (macOS 11) the shifted timeout saturates, so nothing is gained above the higher
 * cap.
 *
 * @param unchecked  the cap on xnu up to {@link #LAST_UNCHECKED_SHIFT_XNU} or an unknown kernel
 * @param saturating the cap on later kernels
 */
public record VtiCap(int unchecked, int saturating) {

    /** Last kernel line (macOS 10.15) whose vti shift is unchecked. */
    public static final int LAST_UNCHECKED_SHIFT_XNU = 6153;

    /** The caps the kernel's arithmetic gives: 0.5 s x 2^12 = 2048 s before the wrap, 2^18 just under saturation. */
    public static final VtiCap XNU = new VtiCap(12, 18);

    /** @param versionOrNull the guest's kernel, or null when the report did not say */
    public int forKernel(XnuVersion versionOrNull) {
        return saturates(versionOrNull) ? saturating : unchecked;
    }

    /** @param xnuVersionOrNull the guest's kernel as a report prints it ({@code xnu-6153.121.2}), or null */
    public int forKernel(String xnuVersionOrNull) {
        return forKernel(XnuVersion.parse(xnuVersionOrNull).orElse(null));
    }

    /** For a rationale: which cap applies and why, e.g. "cap 12 on xnu ≤ 6153, where larger values wrap". */
    public String describe(String xnuVersionOrNull) {
        XnuVersion version = XnuVersion.parse(xnuVersionOrNull).orElse(null);
        if (version == null) {
            return "cap " + unchecked + " since the kernel version is unknown";
        }
        return saturates(version) ? "cap " + saturating + " from xnu-7195 on, where the timeout saturates"
                : "cap " + unchecked + " on xnu ≤ 6153, where larger values wrap";
    }

    private static boolean saturates(XnuVersion versionOrNull) {
        return versionOrNull != null && versionOrNull.major() > LAST_UNCHECKED_SHIFT_XNU;
    }
}
