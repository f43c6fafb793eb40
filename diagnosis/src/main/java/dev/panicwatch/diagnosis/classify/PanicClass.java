package dev.panicwatch.diagnosis.classify;

/**
 * The classes of docs/design.md#panic-classes: what kind of wait ended in the panic. This is the domain's own enum, so
 * the parser and classifier stay plain Java; the Avro contract has an enum of the same names, and the topology maps
 * this one to it where it builds a remediation event ({@code streams.topology.PublishedPanicClass}).
 */
public enum PanicClass {
    /** {@code pmap_flush_tlbs()} waited {@code TLBTimeOut} for other CPUs to acknowledge a TLB shootdown. */
    TLB_FLUSH_TIMEOUT,
    /** A cross-call or rendezvous waited 4 x {@code LockTimeOut} for its target CPUs. */
    CROSS_CALL_TIMEOUT,
    /** A spinlock, ticket lock, wait-queue lock or {@code hw_lock} waiter gave up on the owner. */
    SPINLOCK_TIMEOUT,
    /** The x86 interrupt watchdog saw an interrupt go unserviced past its vti-scaled budget. */
    INTERRUPT_WATCHDOG_TIMEOUT,
    /** User space stopped checking in with {@code watchdogd}: wall-clock minutes, not a vti-scaled deadline. */
    WATCHDOG_TIMEOUT,
    /** A fixed budget ran out (debugger entry, CPU halt, a driver's power change, sleep/wake). */
    OTHER_TIMEOUT,
    /** Anything else: traps, page faults, kext panics, lock misuse. */
    NON_TIMEOUT;

    /** Whether a deadline fired, so a starved vCPU may explain the panic and the advice looks at the host's load. */
    public boolean isTimeout() {
        return this != NON_TIMEOUT;
    }
}
