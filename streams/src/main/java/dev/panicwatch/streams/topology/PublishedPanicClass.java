package dev.panicwatch.streams.topology;

import dev.panicwatch.schemas.PanicClass;

/**
 * The classifier's {@link dev.panicwatch.diagnosis.classify.PanicClass} as the published {@link PanicClass} of a
 * {@code RemediationEvent}. The classifier keeps its own enum so that it needs no Avro; the topology works with that
 * one and meets the contract only here, where the event is built. The switch names every classifier constant, so a new
 * class does not compile until it is mapped; {@code PublishedPanicClassTest} fails when the schema gains a class the
 * classifier cannot produce.
 */
final class PublishedPanicClass {

    private PublishedPanicClass() {
    }

    static PanicClass of(dev.panicwatch.diagnosis.classify.PanicClass classified) {
        return switch (classified) {
            case TLB_FLUSH_TIMEOUT -> PanicClass.TLB_FLUSH_TIMEOUT;
            case CROSS_CALL_TIMEOUT -> PanicClass.CROSS_CALL_TIMEOUT;
            case SPINLOCK_TIMEOUT -> PanicClass.SPINLOCK_TIMEOUT;
            case INTERRUPT_WATCHDOG_TIMEOUT -> PanicClass.INTERRUPT_WATCHDOG_TIMEOUT;
            case WATCHDOG_TIMEOUT -> PanicClass.WATCHDOG_TIMEOUT;
            case OTHER_TIMEOUT -> PanicClass.OTHER_TIMEOUT;
            case NON_TIMEOUT -> PanicClass.NON_TIMEOUT;
        };
    }
}
