package dev.panicwatch.streams.advice;

import java.util.OptionalInt;

import dev.panicwatch.diagnosis.classify.PanicClassifier;

/**
 * The highest vti worth suggesting on a kernel: on xnu ≤ 6153 (macOS 10.12–10.15) the shift is unchecked and large
 * values wrap into instant panics, so the conservative cap applies there and whenever the version is unknown; from
 * xnu-7195 (macOS 11) the timeout saturates and nothing is gained above the higher cap.
 */
public record VtiCap(int unchecked, int saturating) {

    /** Last kernel line with the unchecked shift (macOS 10.15). */
    static final int LAST_UNCHECKED_XNU = 6153;

    public int forKernel(String xnuVersionOrNull) {
        OptionalInt major = kernelMajor(xnuVersionOrNull);
        return major.isPresent() && major.getAsInt() > LAST_UNCHECKED_XNU ? saturating : unchecked;
    }

    /** The xnu major number (6153 of xnu-6153.121.2); the diagnosis module owns version parsing. */
    private static OptionalInt kernelMajor(String xnuVersionOrNull) {
        return PanicClassifier.xnuMajor(xnuVersionOrNull);
    }

    /** For the rationale: "cap 12 on xnu ≤ 6153". */
    public String describe(String xnuVersionOrNull) {
        OptionalInt major = kernelMajor(xnuVersionOrNull);
        if (major.isEmpty()) {
            return "cap " + unchecked + " since the kernel version is unknown";
        }
        return major.getAsInt() > LAST_UNCHECKED_XNU ? "cap " + saturating + " from xnu-7195 on, where the timeout saturates"
                : "cap " + unchecked + " on xnu ≤ 6153, where larger values wrap";
    }
}
