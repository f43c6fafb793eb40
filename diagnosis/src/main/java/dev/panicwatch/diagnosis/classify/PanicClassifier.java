package dev.panicwatch.diagnosis.classify;

import static dev.panicwatch.diagnosis.classify.PanicRule.rule;
import static dev.panicwatch.diagnosis.classify.VtiScaling.CONSTANT_ON_XNU_4570_TO_7195;
import static dev.panicwatch.diagnosis.classify.VtiScaling.NOT_SCALED;
import static dev.panicwatch.diagnosis.classify.VtiScaling.SCALED_BY_VTI;
import static dev.panicwatch.diagnosis.classify.PanicClass.CROSS_CALL_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.INTERRUPT_WATCHDOG_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.NON_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.OTHER_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.SPINLOCK_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.TLB_FLUSH_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.WATCHDOG_TIMEOUT;

import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.diagnosis.kernel.XnuVersion;
import dev.panicwatch.diagnosis.parse.ParsedReport;

/**
 * Decides the class of a panic from its panic string (docs/design.md#panic-classes), whether raising {@code vti} can help on the guest's
 * kernel, and the vti in force. Stateless and thread-safe.
 */
public final class PanicClassifier {

    private static final String LOCK_TIMEOUT_SCALED = "ml_init_lock_timeout() shifts LockTimeOut left by vti in a VM";

    /**
     * The classification table. The FIRST row whose fragment occurs in the panic string decides; a string no row
     * matches is NON_TIMEOUT. Version boundaries: vti exists from xnu-3789 on (3788 has none, 3789 has it); the
     * constant LOCK_PANIC_TIMEOUT rows are constant on 4570–7195 inclusive (4569 and 7196 are scaled). Fragments are
     * case-sensitive because they are XNU's own format strings, and every repetition is bounded so a hostile panic
     * string cannot make matching slow.
     */
    static final List<PanicRule> RULES = List.of(
            // Lock misuse mentions spinlocks but is a kernel bug, not a wait that ran out: decide these first so no
            // timeout row can claim them.
            rule(NON_TIMEOUT, "locking-against-myself", "locking against myself", NOT_SCALED,
                    "lck_mtx/lck_rw found the current thread already owns the lock: a locking bug, not a timeout."),
            rule(NON_TIMEOUT, "preemption-underflow", "Preemption level underflow", NOT_SCALED,
                    "_enable_preemption() found the preemption count below zero (an unlock without a lock): "
                            + "a locking bug, not a timeout."),
            rule(NON_TIMEOUT, "blocking-with-spinlock", "preemption_level -?\\d{1,4}, possible cause", NOT_SCALED,
                    "thread_invoke() was asked to block with preemption disabled (a spinlock held or interrupt "
                            + "context): a locking bug, not a timeout."),
            rule(NON_TIMEOUT, "interlock-destroyed-mutex", "interlock destroyed mutex", NOT_SCALED,
                    "lck_mtx found a destroyed mutex: use after free in the caller, not a timeout."),
            rule(NON_TIMEOUT, "sleep-wake-failure", "Sleep Wake failure", NOT_SCALED,
                    "A sleep/wake failure report from the previous boot (firmware or driver), not a timeout "
                            + "inside the running kernel."),

            // TLB shootdowns: pmap_flush_tlbs() IPIs the other CPUs and waits TLBTimeOut for their acks.
            rule(TLB_FLUSH_TIMEOUT, "uninterruptible-processors", "Uninterruptible processor\\(s\\)", SCALED_BY_VTI,
                    "pmap_flush_tlbs() waited TLBTimeOut for CPUs to acknowledge a TLB shootdown IPI, NMI-ed them and "
                            + "panicked (10.15 wording); TLBTimeOut = LockTimeOut unless tlbto_us is set, and "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(TLB_FLUSH_TIMEOUT, "ipi-timeout-bitmap", "IPI timeout, unresponsive CPU bitmap", SCALED_BY_VTI,
                    "pmap_flush_tlbs() waited TLBTimeOut for the TLB shootdown acks (11+ wording); "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(TLB_FLUSH_TIMEOUT, "tlb-invalidation-ipi", "TLB invalidation IPI timeout", SCALED_BY_VTI,
                    "pmap_flush_tlbs() waited TLBTimeOut for the TLB invalidation IPI acks (10.12-10.14 wording); "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(TLB_FLUSH_TIMEOUT, "nmipi-tlb-flush", "NMIPI for unresponsive processor: TLB flush timeout",
                    SCALED_BY_VTI,
                    "This CPU was NMI-ed by a CPU whose TLB shootdown waited TLBTimeOut for it; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(TLB_FLUSH_TIMEOUT, "failed-to-respond", "CPU\\(s\\) failed to respond to interrupts", SCALED_BY_VTI,
                    "pmap_flush_tlbs() reports CPUs that did not answer the shootdown IPI within TLBTimeOut; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(TLB_FLUSH_TIMEOUT, "unresponsive-processor-tlb-state",
                    "Unresponsive processor \\(this CPU did not acknowledge interrupts\\) TLB state", SCALED_BY_VTI,
                    "Old NMIInterruptHandler() wording for a CPU NMI-ed because it missed a TLB shootdown "
                            + "(pmap_tlb_flush_timeout set); " + LOCK_TIMEOUT_SCALED + "."),

            // Cross-calls and rendezvous: mp_spin_timeout() allows 4 × LockTimeOut.
            rule(CROSS_CALL_TIMEOUT, "mp-cpus-call-wait", "mp_cpus_call_wait\\(\\) timeout", SCALED_BY_VTI,
                    "mp_cpus_call_wait() gave the target CPUs 4 x LockTimeOut to run a cross-call; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(CROSS_CALL_TIMEOUT, "mp-cpus-call1", "mp_cpus_call1\\(\\) timeout", SCALED_BY_VTI,
                    "mp_cpus_call1() gave a target CPU 4 x LockTimeOut to take a cross-call; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(CROSS_CALL_TIMEOUT, "mp-rendezvous", "mp_rendezvous\\(\\) timeout", SCALED_BY_VTI,
                    "mp_rendezvous() waited 4 x LockTimeOut for all CPUs to complete; " + LOCK_TIMEOUT_SCALED + "."),
            rule(CROSS_CALL_TIMEOUT, "mp-rv-action", "mp_r(?:v|endezvous)_action\\(\\) (?:entry|exit)", SCALED_BY_VTI,
                    "mp_rendezvous_action() waited 4 x LockTimeOut at the entry/exit barrier; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(CROSS_CALL_TIMEOUT, "nmipi-cross-call", "NMIPI for unresponsive processor: cross-call timeout",
                    SCALED_BY_VTI,
                    "This CPU was NMI-ed because it did not take a cross-call within 4 x LockTimeOut; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(CROSS_CALL_TIMEOUT, "timed-out-during-cross-call", "timed-out during cross-call", SCALED_BY_VTI,
                    "Old NMIInterruptHandler() wording for a CPU NMI-ed after a cross-call wait "
                            + "(mp_cpus_call_wait_timeout set); " + LOCK_TIMEOUT_SCALED + "."),

            // Spinlocks.
            rule(SPINLOCK_TIMEOUT, "spinlock-acquisition", "Spinlock acquisition timed out", SCALED_BY_VTI,
                    "usimple_lock()/lck_spin spun LockTimeOut for the lock, NMI-ed the owner and panicked; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "nmipi-spinlock", "NMIPI for spinlock acquisition timeout", SCALED_BY_VTI,
                    "This CPU owned a spinlock another CPU waited LockTimeOut for, and was NMI-ed; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "mp-safe-spin-lock", "mp_safe_spin_lock\\(\\) timed out", SCALED_BY_VTI,
                    "mp_safe_spin_lock() spun 4 x LockTimeOut with interrupts masked; " + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "spinlock-addr-timeout-ticks",
                    "Spinlock[\\[(]0x[0-9a-fA-F]{1,16}[\\])] timeout after \\d{1,24} ticks", SCALED_BY_VTI,
                    "hw_lock_lock_contended() (12+ wording) spun for the lock's LockTimeOut-based timeout; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "spinlock-timeout-ticks-lock-data",
                    "Spinlock timeout after \\d{1,24} ticks, 0x[0-9a-fA-F]{1,16} = ", CONSTANT_ON_XNU_4570_TO_7195,
                    "hw_lock_to() spun for the constant LOCK_PANIC_TIMEOUT on xnu 4570-7195, which vti does not "
                            + "scale; other kernels use LockTimeOut here."),
            rule(SPINLOCK_TIMEOUT, "ticket-spinlock", "Ticket spinlock", SCALED_BY_VTI,
                    "A ticket lock (hw_lck_ticket) waited past its LockTimeOut-based deadline; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "waitq-deadlock", "waitq deadlock", SCALED_BY_VTI,
                    "A wait queue's spinlock was not obtained within LockTimeOut; " + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "waitq-lock-timeout", "waitq\\(0x[0-9a-fA-F]{1,16}\\) lock timeout", SCALED_BY_VTI,
                    "waitq_lock() spun LockTimeOut for a wait queue's lock; " + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "clear-wait-deadlock", "clear_wait_internal: deadlock", SCALED_BY_VTI,
                    "clear_wait_internal() gave up on a thread's wait queue lock after LockTimeOut; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "hw-lock-bit", "hw_lock_bit[^\\n]{0,200}?timed out", CONSTANT_ON_XNU_4570_TO_7195,
                    "hw_lock_bit_to() spun for the constant LOCK_PANIC_TIMEOUT on xnu 4570-7195, which vti does not "
                            + "scale; other kernels use LockTimeOut here."),
            rule(SPINLOCK_TIMEOUT, "wait-while-equals", "Wait while equals timeout", CONSTANT_ON_XNU_4570_TO_7195,
                    "hw_wait_while_equals() spun for the constant LOCK_PANIC_TIMEOUT on xnu 4570-7195, which vti "
                            + "does not scale; other kernels use LockTimeOut here."),
            rule(SPINLOCK_TIMEOUT, "wait-while-equals-width", "wait_while_equals(?:32|64)\\[", SCALED_BY_VTI,
                    "hw_wait_while_equals32/64() (12+) spun past the LockTimeOut-based deadline; "
                            + LOCK_TIMEOUT_SCALED + "."),
            rule(SPINLOCK_TIMEOUT, "ptr-spinlock", "Ptr spinlock\\[", SCALED_BY_VTI,
                    "A pointer spinlock (hw_lck_ptr) spun past the LockTimeOut-based deadline; "
                            + LOCK_TIMEOUT_SCALED + "."),

            // Interrupt watchdog.
            rule(INTERRUPT_WATCHDOG_TIMEOUT, "interrupt-watchdog", "Interrupt watchdog, cpu:", SCALED_BY_VTI,
                    "The x86 interrupt watchdog fired: an interrupt went unserviced past a budget derived from the "
                            + "vti-scaled lock timeouts."),
            rule(INTERRUPT_WATCHDOG_TIMEOUT, "nmipi-interrupt-watchdog",
                    "NMIPI[^\\n]{0,120}?interrupt watchdog for vector", SCALED_BY_VTI,
                    "This CPU was NMI-ed by the interrupt watchdog for a vector it did not service within the "
                            + "vti-scaled budget."),

            // Watchdogs count wall-clock seconds of user space not checking in.
            rule(WATCHDOG_TIMEOUT, "watchdogd-no-checkins", "watchdog timeout: no checkins from watchdogd", NOT_SCALED,
                    "The kernel watchdog (AppleOSXWatchdog/SMC) saw no check-ins from watchdogd for minutes of wall "
                            + "time; vti does not touch it."),
            rule(WATCHDOG_TIMEOUT, "userspace-watchdog", "userspace watchdog timeout", NOT_SCALED,
                    "watchdogd saw a user-space service (e.g. WindowServer, remoted) miss its check-ins; a wall-clock "
                            + "budget vti does not touch."),
            rule(WATCHDOG_TIMEOUT, "bridgeos-macos-watchdog", "macOS watchdog detected", NOT_SCALED,
                    "The T2/BridgeOS watchdog saw macOS stop checking in; a wall-clock budget outside the guest "
                            + "kernel."),

            // Other timeouts: fixed budgets during debugger entry, CPU shutdown, power management.
            rule(OTHER_TIMEOUT, "mp-kdp-enter", "^\\s?mp_kdp_enter\\(\\) timed-out", NOT_SCALED,
                    "mp_kdp_enter() timed out NMI-ing the other CPUs while entering the debugger for an earlier "
                            + "panic, whose message this one replaced; its budget is a fixed TSC count."),
            rule(OTHER_TIMEOUT, "nmi-cpus", "^\\s?NMI_cpus\\(\\) timeout", NOT_SCALED,
                    "NMI_cpus() waits a fixed TSC budget for each CPU to acknowledge the NMI."),
            rule(OTHER_TIMEOUT, "cpu-exit-wait", "^\\s?cpu_exit_wait\\(\\d{1,4}\\) timeout", NOT_SCALED,
                    "cpu_exit_wait() waits a fixed budget for a CPU to halt during sleep or shutdown."),
            rule(OTHER_TIMEOUT, "set-power-state", "setPowerState[^\\n]{0,300}?timed out", NOT_SCALED,
                    "IOServicePM's ack timer fired: a driver did not finish a power-state change within the time it "
                            + "asked for; a driver timer, not vti."),
            rule(OTHER_TIMEOUT, "sleep-transition", "Sleep transition timed out", NOT_SCALED,
                    "IOPMrootDomain's sleep watchdog fired while power state callbacks ran; a wall-clock timer."),
            rule(OTHER_TIMEOUT, "timed-out-in-phase", "timed out in phase", NOT_SCALED,
                    "A sleep/wake phase did not complete in its wall-clock budget."),
            rule(OTHER_TIMEOUT, "request-timeout", "request timeout", NOT_SCALED,
                    "A coprocessor (e.g. SEP) or driver request was not answered in time; not a CPU-side "
                            + "lock/IPI timeout."));

    private static final int MAX_CLASSIFIED_CHARS = 16 * 1024;
    private static final Pattern WHITESPACE_RUN = Pattern.compile("\\s+");

    /** Classifies a report as parsed: its panic string, kernel version and boot-args. */
    public Diagnosis classify(ParsedReport report) {
        return classify(report.panicString(), report.xnuVersion().orElse(null), report.bootArgs().orElse(null));
    }

    /**
     * @param panicString       the panic message (one string; line breaks and runs of spaces are treated as one space)
     * @param xnuVersionOrNull  e.g. {@code xnu-6153.121.2}; null or unparseable means unknown
     * @param bootArgsOrNull    the boot-args in force; null means none known (vti 6)
     */
    public Diagnosis classify(String panicString, String xnuVersionOrNull, String bootArgsOrNull) {
        String text = flatten(panicString == null ? "" : panicString);
        Optional<XnuVersion> version = XnuVersion.parse(xnuVersionOrNull);
        int currentVti = BootArgs.currentVti(bootArgsOrNull);
        for (PanicRule rule : RULES) {
            if (rule.matches(text)) {
                boolean helps = rule.scaling().helps(version.orElse(null));
                return new Diagnosis(rule.panicClass(), helps, currentVti, explain(rule, version, helps));
            }
        }
        return new Diagnosis(NON_TIMEOUT, false, currentVti,
                "No timeout wording from the classification table occurs in the panic string: kernel traps, kext "
                        + "panics and memory corruption are not cured by longer timeouts.");
    }

    private static String explain(PanicRule rule, Optional<XnuVersion> version, boolean helps) {
        String kernel = version.map(XnuVersion::toString).orElse("an unknown kernel");
        String verdict;
        if (rule.scaling() == NOT_SCALED) {
            verdict = "vti does not help.";
        } else if (version.isPresent() && !version.get().hasVti()) {
            verdict = kernel + " predates vti (xnu-" + XnuVersion.FIRST_WITH_VTI
                    + ", 10.12): such kernels suspend these timeouts in a VM, so vti does not apply.";
        } else if (helps) {
            verdict = "On " + kernel + " raising vti lengthens this timeout.";
        } else if (version.isEmpty()) {
            verdict = "This wording is printed by xnu 4570-7195, where the timeout is constant, so raising vti does "
                    + "not help.";
        } else {
            verdict = "On " + kernel + " this timeout is constant, so raising vti does not help.";
        }
        return rule.panicClass() + " [" + rule.variant() + "]: " + rule.reason() + " " + verdict;
    }

    private static String flatten(String panicString) {
        String bounded = panicString.length() > MAX_CLASSIFIED_CHARS
                ? panicString.substring(0, MAX_CLASSIFIED_CHARS) : panicString;
        return WHITESPACE_RUN.matcher(bounded).replaceAll(" ");
    }
}
