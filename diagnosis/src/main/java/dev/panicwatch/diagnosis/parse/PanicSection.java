package dev.panicwatch.diagnosis.parse;

import java.util.Optional;

/**
 * One place in a report where a CPU wrote why it stopped.
 *
 * @param kind    which of the three shapes it has
 * @param line    index of its first line in the cleaned lines
 * @param cpu     the CPU number it names
 * @param caller  the caller address of a {@code panic(…)} line, when it is a real address
 * @param message the message, unwrapped to one string (may be empty when the report was cut right after the header)
 */
record PanicSection(Kind kind, int line, Optional<Integer> cpu, Optional<String> caller, String message) {

    enum Kind {
        /** {@code panic(cpu N caller 0x…): message} — the CPU that called panic(). */
        PANIC_CALL,
        /**
         * {@code Panic(CPU N[, time T]): NMIPI for …} — written by a CPU's NMI handler when another CPU gave up waiting
         * for it (TLB shootdown, spinlock, cross-call) and NMI-ed it before panicking.
         */
        NMI_SECTION,
        /**
         * A sleep/wake failure report, written at the next boot: {@code Sleep Wake failure in …}, or the first
         * paragraph of a stackshot report whose header says {@code Event: Sleep Wake Failure}.
         */
        SLEEP_WAKE_FAILURE
    }

    boolean hasMessage() {
        return !message.isBlank();
    }
}
