package dev.panicwatch.diagnosis.classify;

import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.panicwatch.schemas.PanicClass;

/**
 * TEMPORARY STAND-IN written on the {@code topology} branch so the Streams topology compiles and its tests run
 * before the real classifier (branch {@code diagnosis}) is merged. It knows only the few patterns the topology tests
 * use. At merge, keep the {@code diagnosis} branch's version of this file and delete this one; the topology calls
 * only {@link #classify(String, String, String)} and {@link #xnuMajor(String)} (the latter to be replaced by the real
 * {@code XnuVersion} parsing, see streams' {@code VtiCap}).
 */
public final class PanicClassifier {

    private static final Pattern TLB = Pattern.compile(
            "TLB flush timeout|TLB invalidation IPI timeout|IPI timeout, unresponsive CPU bitmap|Uninterruptible processor");
    private static final Pattern SPINLOCK_CONSTANT = Pattern.compile(
            "Spinlock timeout after \\d+ ticks, 0x[0-9a-f]+ = |hw_lock_bit.*timed out|Wait while equals timeout");
    private static final Pattern SPINLOCK = Pattern.compile(
            "Spinlock acquisition timed out|NMIPI for spinlock acquisition timeout|Spinlock\\[0x[0-9a-f]+\\] timeout after");
    private static final Pattern WATCHDOG = Pattern.compile(
            "watchdog timeout: no checkins from watchdogd|userspace watchdog timeout");
    private static final Pattern VTI = Pattern.compile("(?:^|\\s)vti=(\\d+)(?=\\s|$)");
    private static final Pattern XNU = Pattern.compile("xnu-(\\d+)");

    /** First release with the {@code vti} boot-arg (macOS 10.12). */
    private static final int FIRST_VTI_XNU = 3789;

    public Diagnosis classify(String panicString, String xnuVersionOrNull, String bootArgsOrNull) {
        int currentVti = currentVti(bootArgsOrNull);
        OptionalInt major = xnuMajor(xnuVersionOrNull);
        boolean vtiKernel = major.isEmpty() || major.getAsInt() >= FIRST_VTI_XNU;
        String text = panicString == null ? "" : panicString;
        if (TLB.matcher(text).find()) {
            return new Diagnosis(PanicClass.TLB_FLUSH_TIMEOUT, vtiKernel, currentVti, "TLB flush timeout");
        }
        if (SPINLOCK_CONSTANT.matcher(text).find()) {
            boolean constant = major.isPresent() && major.getAsInt() >= 4570 && major.getAsInt() <= 7195;
            return new Diagnosis(PanicClass.SPINLOCK_TIMEOUT, vtiKernel && !constant, currentVti,
                    constant ? "spinlock timeout with constant LOCK_PANIC_TIMEOUT" : "spinlock timeout");
        }
        if (SPINLOCK.matcher(text).find()) {
            return new Diagnosis(PanicClass.SPINLOCK_TIMEOUT, vtiKernel, currentVti, "spinlock timeout");
        }
        if (WATCHDOG.matcher(text).find()) {
            return new Diagnosis(PanicClass.WATCHDOG_TIMEOUT, false, currentVti, "userspace watchdog timeout");
        }
        return new Diagnosis(PanicClass.NON_TIMEOUT, false, currentVti, "not a timeout panic");
    }

    private static int currentVti(String bootArgs) {
        if (bootArgs == null) {
            return Diagnosis.DEFAULT_VTI;
        }
        Matcher m = VTI.matcher(bootArgs);
        return m.find() ? Integer.parseInt(m.group(1)) : Diagnosis.DEFAULT_VTI;
    }

    /** The major number of an {@code xnu-NNNN…} version, empty when unknown. TEMPORARY: the real XnuVersion replaces it. */
    public static OptionalInt xnuMajor(String xnuVersionOrNull) {
        if (xnuVersionOrNull == null) {
            return OptionalInt.empty();
        }
        Matcher m = XNU.matcher(xnuVersionOrNull);
        return m.find() ? OptionalInt.of(Integer.parseInt(m.group(1))) : OptionalInt.empty();
    }
}
