package dev.panicwatch.diagnosis.classify;

import static dev.panicwatch.diagnosis.classify.PanicClass.CROSS_CALL_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.INTERRUPT_WATCHDOG_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.NON_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.OTHER_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.SPINLOCK_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.TLB_FLUSH_TIMEOUT;
import static dev.panicwatch.diagnosis.classify.PanicClass.WATCHDOG_TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import dev.panicwatch.diagnosis.parse.ParsedReport;
import dev.panicwatch.diagnosis.parse.ReportFormat;

/**
 * One hand-written panic string per row of the classification table (docs/design.md#panic-classes), modelled on XNU's format strings,
 * with the class and vti verdict worked out from the table by hand.
 */
class PanicClassifierTest {

    private static final String MOJAVE = "xnu-4903.278.44";   // 10.14: has vti, inside the constant LOCK_PANIC_TIMEOUT span
    private static final String CATALINA = "xnu-6153.121.2";  // 10.15: has vti
    private static final String VENTURA = "xnu-8792.61.2";    // 13: has vti, after the constant span
    private static final String EL_CAPITAN = "xnu-3248.50.21"; // 10.11: no vti

    private final PanicClassifier classifier = new PanicClassifier();

    static Stream<Arguments> handWrittenPanics() {
        return Stream.of(
                // variant, panic string, kernel, class, vti helps
                arguments("uninterruptible-processors",
                        "Uninterruptible processor(s): CPU bitmap: 0x800, NMIPI acks: 0x0, now: 0x1, deadline: 9",
                        CATALINA, TLB_FLUSH_TIMEOUT, true),
                arguments("ipi-timeout-bitmap", "IPI timeout, unresponsive CPU bitmap: 0x8, NMIPI acks: 0x0, now: 0x0",
                        "xnu-7195.101.2", TLB_FLUSH_TIMEOUT, true),
                arguments("tlb-invalidation-ipi", "TLB invalidation IPI timeout: ", "xnu-3789.31.2",
                        TLB_FLUSH_TIMEOUT, true),
                arguments("nmipi-tlb-flush", "NMIPI for unresponsive processor: TLB flush timeout, TLB state:0x0",
                        null, TLB_FLUSH_TIMEOUT, true),
                arguments("failed-to-respond", "CPU(s) failed to respond to interrupts, unresponsive CPU bitmap: 0xc",
                        MOJAVE, TLB_FLUSH_TIMEOUT, true),
                arguments("unresponsive-processor-tlb-state",
                        "Unresponsive processor (this CPU did not acknowledge interrupts) TLB state:0x0", EL_CAPITAN,
                        TLB_FLUSH_TIMEOUT, false),
                arguments("mp-cpus-call-wait", "mp_cpus_call_wait() timeout, cpus: 0x4", CATALINA,
                        CROSS_CALL_TIMEOUT, true),
                arguments("mp-cpus-call1", "mp_cpus_call1() timeout start: 0x1, current: 0x2", CATALINA,
                        CROSS_CALL_TIMEOUT, true),
                arguments("mp-rendezvous", "mp_rendezvous() timeout: all CPUs did not complete", null,
                        CROSS_CALL_TIMEOUT, true),
                arguments("mp-rv-action", "mp_rv_action() entry: 2 of 4 CPUs", MOJAVE, CROSS_CALL_TIMEOUT, true),
                arguments("nmipi-cross-call", "NMIPI for unresponsive processor: cross-call timeout", null,
                        CROSS_CALL_TIMEOUT, true),
                arguments("timed-out-during-cross-call",
                        "Unresponsive processor, this CPU timed-out during cross-call", null, CROSS_CALL_TIMEOUT, true),
                arguments("spinlock-acquisition",
                        "Spinlock acquisition timed out: lock=0xffffff80024ca528, lock owner thread=0x1", CATALINA,
                        SPINLOCK_TIMEOUT, true),
                arguments("nmipi-spinlock", "NMIPI for spinlock acquisition timeout, spinlock: 0xffffff8018aa12e0",
                        null, SPINLOCK_TIMEOUT, true),
                arguments("mp-safe-spin-lock", "mp_safe_spin_lock() timed out, lock: 0xffffff8000a87818", MOJAVE,
                        SPINLOCK_TIMEOUT, true),
                arguments("spinlock-addr-timeout-ticks",
                        "Spinlock[0xffffff8013ef3280] timeout after 134400088647 ticks; current owner: 0x1", VENTURA,
                        SPINLOCK_TIMEOUT, true),
                arguments("spinlock-timeout-ticks-lock-data",
                        "Spinlock timeout after 2952790034 ticks, 0xffffff8001234560 = 0xffffff8045678900", MOJAVE,
                        SPINLOCK_TIMEOUT, false),
                arguments("ticket-spinlock", "Ticket spinlock 0xffffff8013ef3280 timeout after 100 ticks", VENTURA,
                        SPINLOCK_TIMEOUT, true),
                arguments("waitq-deadlock", "waitq deadlock - waitq=0xffffff8013ef3280, wqe=0x1", CATALINA,
                        SPINLOCK_TIMEOUT, true),
                arguments("waitq-lock-timeout", "waitq(0xffffff8013ef3280) lock timeout", VENTURA,
                        SPINLOCK_TIMEOUT, true),
                arguments("clear-wait-deadlock", "clear_wait_internal: deadlock: thread=0xffffff80, wq=0x1", CATALINA,
                        SPINLOCK_TIMEOUT, true),
                arguments("hw-lock-bit", "hw_lock_bit(): timed out (0xffffff8013ef3280)", MOJAVE,
                        SPINLOCK_TIMEOUT, false),
                arguments("wait-while-equals", "Wait while equals timeout @ *0xffffff8013ef3280 == 0x1", CATALINA,
                        SPINLOCK_TIMEOUT, false),
                arguments("wait-while-equals-width", "wait_while_equals64[0xffffff8013ef3280] == 0x1, timeout",
                        VENTURA, SPINLOCK_TIMEOUT, true),
                arguments("ptr-spinlock", "Ptr spinlock[0xffffff8013ef3280] timeout after 100 ticks", VENTURA,
                        SPINLOCK_TIMEOUT, true),
                arguments("interrupt-watchdog", "Interrupt watchdog, cpu: 2 interrupt: 0x30 time: 0x1", CATALINA,
                        INTERRUPT_WATCHDOG_TIMEOUT, true),
                arguments("nmipi-interrupt-watchdog",
                        "NMIPI for unresponsive processor: interrupt watchdog for vector 0x30", null,
                        INTERRUPT_WATCHDOG_TIMEOUT, true),
                arguments("watchdogd-no-checkins", "watchdog timeout: no checkins from watchdogd in 301 seconds",
                        CATALINA, WATCHDOG_TIMEOUT, false),
                arguments("userspace-watchdog", "userspace watchdog timeout: no successful checkins from remoted",
                        VENTURA, WATCHDOG_TIMEOUT, false),
                arguments("bridgeos-macos-watchdog", "macOS watchdog detected", null, WATCHDOG_TIMEOUT, false),
                arguments("mp-kdp-enter", "mp_kdp_enter() timed-out during locked wait after NMI;expected 24 acks",
                        MOJAVE, OTHER_TIMEOUT, false),
                arguments("nmi-cpus", "NMI_cpus() timeout cpu 3", CATALINA, OTHER_TIMEOUT, false),
                arguments("cpu-exit-wait", "cpu_exit_wait(3) timeout", CATALINA, OTHER_TIMEOUT, false),
                arguments("set-power-state",
                        "AppleHDA::setPowerState(0xffffff93 : 0xffffff7f, 0 -> 1) timed out after 10168 ms", VENTURA,
                        OTHER_TIMEOUT, false),
                arguments("sleep-transition", "Sleep transition timed out after 180 seconds while calling power state",
                        CATALINA, OTHER_TIMEOUT, false),
                arguments("timed-out-in-phase", "IOPMrootDomain: sleep timed out in phase 3", CATALINA,
                        OTHER_TIMEOUT, false),
                arguments("request-timeout", "AppleSEPManager: request timeout, rid 0x1", VENTURA,
                        OTHER_TIMEOUT, false),
                arguments("locking-against-myself", "lck_mtx_lock: locking against myself, spinlock 0x1", CATALINA,
                        NON_TIMEOUT, false),
                arguments("preemption-underflow",
                        "Preemption level underflow, possible cause unlocking an unlocked mutex or spinlock",
                        "xnu-3789.31.2", NON_TIMEOUT, false),
                arguments("blocking-with-spinlock",
                        "thread_invoke: preemption_level 1, possible cause: blocking while holding a spinlock",
                        "xnu-4570.51.1", NON_TIMEOUT, false),
                arguments("interlock-destroyed-mutex", "trying to interlock destroyed mutex (0xffffff8058e42000)",
                        null, NON_TIMEOUT, false),
                arguments("sleep-wake-failure", "Sleep Wake failure in EFI", null, NON_TIMEOUT, false));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("handWrittenPanics")
    void each_table_row_decides_its_wording(String variant, String panicString, String xnu, PanicClass expected,
                                            boolean vtiHelps) {
        Diagnosis diagnosis = classifier.classify(panicString, xnu, null);

        assertThat(diagnosis.panicClass()).isEqualTo(expected);
        assertThat(diagnosis.vtiHelps()).as(diagnosis.reason()).isEqualTo(vtiHelps);
        assertThat(diagnosis.reason()).as("the row that matched").contains("[" + variant + "]");
    }

    @Test
    void every_row_of_the_table_has_a_hand_written_case() {
        Set<String> covered = handWrittenPanics().map(a -> (String) a.get()[0]).collect(Collectors.toSet());
        Set<String> rows = PanicClassifier.RULES.stream().map(PanicRule::variant).collect(Collectors.toSet());
        assertThat(covered).isEqualTo(rows);
        assertThat(PanicClassifier.RULES).extracting(PanicRule::variant).doesNotHaveDuplicates();
    }

    /**
     * vti exists from xnu-3789 (10.12): 3788 is the last kernel without it. Scaled rows help from 3789 on; an unknown
     * kernel gets the benefit of the doubt.
     */
    @ParameterizedTest(name = "{0} → vti helps: {1}")
    @CsvSource({"xnu-3788.1.1, false", "xnu-3789.1.32, true", "xnu-2422.110.17, false", "xnu-12377.121.6, true",
            "'', true"})
    void scaled_timeouts_need_a_kernel_with_vti(String xnu, boolean helps) {
        Diagnosis diagnosis = classifier.classify("Spinlock acquisition timed out: lock=0x1", xnu, null);

        assertThat(diagnosis.panicClass()).isEqualTo(SPINLOCK_TIMEOUT);
        assertThat(diagnosis.vtiHelps()).as(diagnosis.reason()).isEqualTo(helps);
    }

    /**
     * The constant LOCK_PANIC_TIMEOUT span is 4570–7195 with both ends included (10.13 through 11): 4569 and 7196 are
     * outside it, so the LockTimeOut-based (vti-scaled) timeout applies there. Below 3789 there is no vti at all, and an
     * unknown kernel counts as inside the span because only those kernels print these wordings.
     */
    @ParameterizedTest(name = "{1} on {0} → vti helps: {2}")
    @CsvSource({
            "xnu-3788.1.1,  'Spinlock timeout after 10 ticks, 0xffffff80 = 0x1', false",
            "xnu-4569.1.1,  'Spinlock timeout after 10 ticks, 0xffffff80 = 0x1', true",
            "xnu-4570.1.46, 'Spinlock timeout after 10 ticks, 0xffffff80 = 0x1', false",
            "xnu-7195.141.2,'Spinlock timeout after 10 ticks, 0xffffff80 = 0x1', false",
            "xnu-7196.1.1,  'Spinlock timeout after 10 ticks, 0xffffff80 = 0x1', true",
            "'',            'Spinlock timeout after 10 ticks, 0xffffff80 = 0x1', false",
            "xnu-4569.1.1,  'hw_lock_bit(): timed out (0xffffff80)', true",
            "xnu-4570.1.46, 'hw_lock_bit(): timed out (0xffffff80)', false",
            "xnu-7195.141.2,'hw_lock_bit(): timed out (0xffffff80)', false",
            "xnu-7196.1.1,  'hw_lock_bit(): timed out (0xffffff80)', true",
            "xnu-4569.1.1,  'Wait while equals timeout @ *0xffffff80 == 0x1', true",
            "xnu-4570.1.46, 'Wait while equals timeout @ *0xffffff80 == 0x1', false",
            "xnu-7195.141.2,'Wait while equals timeout @ *0xffffff80 == 0x1', false",
            "xnu-7196.1.1,  'Wait while equals timeout @ *0xffffff80 == 0x1', true"})
    void constant_lock_panic_timeout_span_is_4570_to_7195_inclusive(String xnu, String panicString, boolean helps) {
        Diagnosis diagnosis = classifier.classify(panicString, xnu, null);

        assertThat(diagnosis.panicClass()).isEqualTo(SPINLOCK_TIMEOUT);
        assertThat(diagnosis.vtiHelps()).as(diagnosis.reason()).isEqualTo(helps);
    }

    @Test
    void the_new_spinlock_wording_with_the_address_is_scaled_even_inside_the_constant_span() {
        // "Spinlock(0x…) timeout after N ticks" is the 12+ form; only "Spinlock timeout after N ticks, 0x… = …" is
        // the constant LOCK_PANIC_TIMEOUT one.
        Diagnosis diagnosis = classifier.classify("Spinlock(0xffffff8013ef3280) timeout after 134400088647 ticks",
                null, null);

        assertThat(diagnosis.panicClass()).isEqualTo(SPINLOCK_TIMEOUT);
        assertThat(diagnosis.vtiHelps()).isTrue();
    }

    @Test
    void debugger_entry_timeout_decides_only_as_the_panic_itself() {
        Diagnosis trap = classifier.classify(
                "Kernel trap at 0xffffff80106c20fb, type 14=page fault; mp_kdp_enter() timed-out on cpu 1", CATALINA,
                null);

        assertThat(trap.panicClass()).isEqualTo(NON_TIMEOUT);
    }

    @Test
    void watchdog_and_other_timeouts_never_help_even_on_a_kernel_with_vti() {
        assertThat(classifier.classify("watchdog timeout: no checkins from watchdogd in 90 seconds", VENTURA,
                "vti=9").vtiHelps()).isFalse();
        assertThat(classifier.classify("Sleep transition timed out after 180 seconds", VENTURA, null).vtiHelps())
                .isFalse();
    }

    @Test
    void a_panic_string_wrapped_over_lines_still_matches() {
        Diagnosis diagnosis = classifier.classify("watchdog timeout: no checkins from\nwatchdogd in 93 seconds", null,
                null);

        assertThat(diagnosis.panicClass()).isEqualTo(WATCHDOG_TIMEOUT);
    }

    @Test
    void kernel_traps_and_empty_strings_are_not_timeouts() {
        assertThat(classifier.classify("Kernel trap at 0xffffff80106c20fb, type 14=page fault, registers:", CATALINA,
                null).panicClass()).isEqualTo(NON_TIMEOUT);
        assertThat(classifier.classify("", null, null).panicClass()).isEqualTo(NON_TIMEOUT);
        assertThat(classifier.classify(null, null, null).panicClass()).isEqualTo(NON_TIMEOUT);
    }

    /** currentVti is the first vti= token (decimal or 0x hex, as PE_parse_boot_argn reads it), else 6. */
    @ParameterizedTest(name = "boot-args [{0}] → vti {1}")
    @CsvSource(value = {"keepsyms=1 tlbto_us=0 vti=9 | 9", "vti=0x0c | 12", "-v debug=0x100 keepsyms=1 | 6",
            "vti=abc | 6", "vti=9 vti=12 | 9", "novti=3 | 6", "'' | 6"}, delimiter = '|')
    void current_vti_comes_from_the_boot_args(String bootArgs, int vti) {
        assertThat(classifier.classify("Spinlock acquisition timed out", CATALINA, bootArgs).currentVti())
                .isEqualTo(vti);
    }

    @Test
    void no_boot_args_means_the_default_vti_of_6() {
        assertThat(classifier.classify("Spinlock acquisition timed out", CATALINA, null).currentVti()).isEqualTo(6);
    }

    @Test
    void classifies_a_parsed_report_with_its_kernel_and_boot_args() {
        ParsedReport report = new ParsedReport(ReportFormat.LEGACY_TEXT,
                "Spinlock timeout after 10 ticks, 0xffffff80 = 0x1", Optional.of(0), Optional.empty(),
                Optional.of(MOJAVE), Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of("keepsyms=1 vti=8"), java.util.List.of(), Optional.empty(), Optional.empty());

        Diagnosis diagnosis = classifier.classify(report);

        // Mojave (4903) is inside the constant span, so vti does not help; vti=8 is read from the boot-args.
        assertThat(diagnosis.panicClass()).isEqualTo(SPINLOCK_TIMEOUT);
        assertThat(diagnosis.vtiHelps()).isFalse();
        assertThat(diagnosis.currentVti()).isEqualTo(8);
    }
}
