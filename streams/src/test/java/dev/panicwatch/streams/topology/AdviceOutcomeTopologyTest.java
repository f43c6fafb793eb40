package dev.panicwatch.streams.topology;

import static dev.panicwatch.streams.topology.Scenario.TLB_FLUSH;
import static dev.panicwatch.streams.topology.Scenario.XNU_10_15;
import static dev.panicwatch.streams.topology.Scenario.guest;
import static dev.panicwatch.streams.topology.Scenario.load;
import static dev.panicwatch.streams.topology.Scenario.panic;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.config.PipelineSettings;

/**
 * docs/design.md#advice-outcome transition by transition, through the real topology (defaults: effective.after 24 h,
 * min overload share 0.25, apply deadline 24 h, overloaded at load1/CPUs >= 1.0).
 *
 * <p>Every test starts from the worked example: pve1 (32 CPUs) at load1 96 / 110 / 104 at T - 5 min, T - 1 min and
 * T + 30 s, a TLB-flush panic of pve1/104 at T with boot-args {@code keepsyms=1}; decided at T + 3:10 on the wall
 * clock, it advises {@code keepsyms=1 tlbto_us=0 vti=9}. ADVISED carries the advice's event time T (the panic's).
 */
class AdviceOutcomeTopologyTest {

    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");
    private static final String VM = "pve1/104";
    private static final String HOST = "pve1";
    private static final String ADVISED_ARGS = "keepsyms=1 tlbto_us=0 vti=9";

    private TopologyHarness pipe;

    @BeforeEach
    void start() throws Exception {
        pipe = new TopologyHarness(PipelineSettings.defaults(), T);
    }

    @AfterEach
    void stop() throws Exception {
        pipe.close();
    }

    private static Instant at(long minutesAfterT) {
        return T.plus(Duration.ofMinutes(minutesAfterT));
    }

    /** The worked example up to its advice; returns the ADVISED outcome. */
    private AdviceOutcome advise() {
        overloadedPanicAtT();
        pipe.advanceWallClockTo(at(4));
        List<RemediationEvent> advice = pipe.remediations();
        assertThat(advice).hasSize(1);
        assertThat(advice.get(0).getSuggestedBootArgs()).isEqualTo(ADVISED_ARGS);
        List<AdviceOutcome> outcomes = pipe.outcomes();
        assertThat(outcomes).extracting(AdviceOutcome::getStatus).containsExactly(AdviceOutcomeStatus.ADVISED);
        return outcomes.get(0);
    }

    /** The seed's overloaded samples around T (peak 110 / 32 = 3.44) and the TLB-flush panic at T: vti 6 -> 9. */
    private void overloadedPanicAtT() {
        pipe.load(load(VM, HOST, at(-5), 32, 96.0, null, null));
        pipe.load(load(VM, HOST, at(-1), 32, 110.0, null, null));
        pipe.load(load(VM, HOST, T.plusSeconds(30), 32, 104.0, null, null));
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
    }

    /** One sample every 10 minutes on {@code host}, from {@code fromMinute} to {@code toMinute} after T (included). */
    private void samples(String host, long fromMinute, long toMinute, double load1) {
        for (long m = fromMinute; m <= toMinute; m += 10) {
            pipe.load(load(VM, host, at(m), 32, load1, null, null));
        }
    }

    private AdviceOutcome only(AdviceOutcomeStatus status) {
        List<AdviceOutcome> outcomes = pipe.outcomes();
        assertThat(outcomes).extracting(AdviceOutcome::getStatus).containsExactly(status);
        return outcomes.get(0);
    }

    private AdviceOutcome current() {
        return pipe.driver.<String, AdviceOutcome>getKeyValueStore(StoreNames.ADVICE_OUTCOME_PER_VM).get(VM);
    }

    @Test
    void advisedCarriesTheAdviceAndTheDayBeforeIt() {
        AdviceOutcome advised = advise();

        assertThat(advised.getVmId()).isEqualTo(VM);
        assertThat(advised.getHostId()).isEqualTo(HOST);
        assertThat(advised.getTime()).isEqualTo(T);
        assertThat(advised.getAdvisedTime()).isEqualTo(T);
        assertThat(advised.getSuggestedVti()).isEqualTo(9);
        assertThat(advised.getTlbTimeoutDisabled()).isTrue();
        assertThat(advised.getSuggestedBootArgs()).isEqualTo(ADVISED_ARGS);
        assertThat(advised.getAppliedTime()).isNull();
        assertThat(advised.getAfter()).isNull();
        // Before: [T - 24 h, T]. The triggering panic at T counts: 1 panic in 1 day = 1.0/day. Samples at T - 5 min
        // and T - 1 min (T + 30 s is after the advice): 96/32 = 3.0 and 110/32 = 3.44, both >= 1.0: 2 of 2.
        assertThat(advised.getBefore().getStart()).isEqualTo(T.minus(Duration.ofHours(24)));
        assertThat(advised.getBefore().getEnd()).isEqualTo(T);
        assertThat(advised.getBefore().getTimeoutPanics()).isEqualTo(1);
        assertThat(advised.getBefore().getTimeoutPanicsPerDay()).isEqualTo(1.0);
        assertThat(advised.getBefore().getSamples()).isEqualTo(2);
        assertThat(advised.getBefore().getOverloadedSamples()).isEqualTo(2);
        assertThat(advised.getBefore().getOverloadedShare()).isEqualTo(1.0);
        assertThat(current()).isEqualTo(advised);
    }

    @Test
    void appliedThenEffectiveAfterADayOfOverloadWithoutATimeoutPanic() {
        AdviceOutcome advised = advise();
        pipe.guest(guest(VM, HOST, at(60), ADVISED_ARGS, at(50)));

        AdviceOutcome applied = only(AdviceOutcomeStatus.APPLIED);
        assertThat(applied.getTime()).isEqualTo(at(60));
        assertThat(applied.getAppliedTime()).isEqualTo(at(60));
        assertThat(applied.getObservedBootArgs()).isEqualTo(ADVISED_ARGS);
        assertThat(applied.getObservedVti()).isEqualTo(9);
        assertThat(applied.getRemediationId()).isEqualTo(advised.getRemediationId());
        assertThat(applied.getAfter().getSamples()).isZero();

        // load1 48 on 32 CPUs = 1.5 >= 1.0: every sample overloaded. Until T + 24:50 the stretch is short of 24 h.
        samples(HOST, 70, 1490, 48.0);
        assertThat(pipe.outcomes()).isEmpty();
        samples(HOST, 1500, 1500, 48.0);

        AdviceOutcome effective = only(AdviceOutcomeStatus.EFFECTIVE);
        // The sample at T + 25 h = applied + 24 h ends the stretch: samples T + 1:10 .. T + 25:00 every 10 min =
        // (1500 - 70) / 10 + 1 = 144, all overloaded: share 1.0 >= 0.25.
        assertThat(effective.getTime()).isEqualTo(at(1500));
        assertThat(effective.getAfter().getStart()).isEqualTo(at(60));
        assertThat(effective.getAfter().getEnd()).isEqualTo(at(1500));
        assertThat(effective.getAfter().getTimeoutPanics()).isZero();
        assertThat(effective.getAfter().getTimeoutPanicsPerDay()).isZero();
        assertThat(effective.getAfter().getSamples()).isEqualTo(144);
        assertThat(effective.getAfter().getOverloadedShare()).isEqualTo(1.0);
        assertThat(effective.getBefore()).isEqualTo(advised.getBefore());
        assertThat(effective.getReason()).contains("144 of 144");
        // Terminal: more quiet samples say nothing new.
        samples(HOST, 1510, 1600, 48.0);
        assertThat(pipe.outcomes()).isEmpty();
        assertThat(current()).isEqualTo(effective);
    }

    @Test
    void appliedOnAQuietHostIsNotACureUntilTheHostIsOverloadedForAQuarterOfTheSamples() {
        advise();
        pipe.guest(guest(VM, HOST, at(60), ADVISED_ARGS, at(50)));
        only(AdviceOutcomeStatus.APPLIED);

        // load1 8 on 32 CPUs = 0.25 < 1.0: 144 quiet samples over the 24 h stretch; no EFFECTIVE.
        samples(HOST, 70, 1500, 8.0);
        assertThat(pipe.outcomes()).isEmpty();
        // Then overloaded samples from T + 25:10: after n of them the share is n / (144 + n) >= 0.25 for n >= 48,
        // i.e. the 48th, at T + 25 h + 48 x 10 min = T + 33 h.
        samples(HOST, 1510, 1970, 48.0);
        assertThat(pipe.outcomes()).isEmpty();
        samples(HOST, 1980, 1980, 48.0);
        AdviceOutcome effective = only(AdviceOutcomeStatus.EFFECTIVE);
        assertThat(effective.getTime()).isEqualTo(at(1980));
        assertThat(effective.getAfter().getSamples()).isEqualTo(192);
        assertThat(effective.getAfter().getOverloadedSamples()).isEqualTo(48);
        assertThat(effective.getAfter().getOverloadedShare()).isEqualTo(0.25);
    }

    @Test
    void neverAppliedRemindsOnceAtTheApplyDeadline() {
        advise();
        // Hourly samples, no guest state: the first sample at or after T + 24 h is the deadline.
        for (long h = 1; h <= 23; h++) {
            pipe.load(load(VM, HOST, at(h * 60), 32, 110.0, null, null));
        }
        assertThat(pipe.outcomes()).isEmpty();
        pipe.load(load(VM, HOST, at(24 * 60), 32, 110.0, null, null));
        AdviceOutcome notApplied = only(AdviceOutcomeStatus.NOT_APPLIED);
        assertThat(notApplied.getTime()).isEqualTo(at(24 * 60));
        assertThat(notApplied.getReason()).contains("PT24H").contains("no guest state");
        assertThat(notApplied.getAppliedTime()).isNull();
        assertThat(notApplied.getAfter()).isNull();
        // Once: a day more of the same is not reminded again.
        for (long h = 25; h <= 48; h++) {
            pipe.load(load(VM, HOST, at(h * 60), 32, 110.0, null, null));
        }
        pipe.guest(guest(VM, HOST, at(48 * 60 + 5), "keepsyms=1", T.minus(Duration.ofDays(3))));
        assertThat(pipe.outcomes()).isEmpty();
    }

    @Test
    void aRebootWithoutTheFullAdviceIsNotAppliedAndALaterRebootWithItIsApplied() {
        advise();
        // vti=9 but no tlbto_us=0, after a reboot at T + 1:50: the advice asked for both.
        pipe.guest(guest(VM, HOST, at(120), "keepsyms=1 vti=9", at(110)));
        AdviceOutcome notApplied = only(AdviceOutcomeStatus.NOT_APPLIED);
        assertThat(notApplied.getTime()).isEqualTo(at(120));
        assertThat(notApplied.getReason()).contains("rebooted").contains("keepsyms=1 vti=9");
        assertThat(notApplied.getObservedVti()).isEqualTo(9);

        pipe.guest(guest(VM, HOST, at(300), "keepsyms=1 vti=9 tlbto_us=0", at(290)));
        AdviceOutcome applied = only(AdviceOutcomeStatus.APPLIED);
        assertThat(applied.getAppliedTime()).isEqualTo(at(300));
    }

    @Test
    void appliedThenRevertedIsNotAppliedWithTheFiguresSinceApplied() {
        advise();
        pipe.guest(guest(VM, HOST, at(60), ADVISED_ARGS, at(50)));
        only(AdviceOutcomeStatus.APPLIED);
        samples(HOST, 70, 350, 110.0);
        // A reboot at T + 5:50 back onto the old boot-args.
        pipe.guest(guest(VM, HOST, at(360), "keepsyms=1", at(350)));

        AdviceOutcome reverted = only(AdviceOutcomeStatus.NOT_APPLIED);
        assertThat(reverted.getReason()).contains("reverted");
        assertThat(reverted.getAppliedTime()).isEqualTo(at(60));
        // After: [T + 1 h, T + 6 h]; samples T + 1:10 .. T + 5:50 = (350 - 70) / 10 + 1 = 29, all 110/32 >= 1.0.
        assertThat(reverted.getAfter().getEnd()).isEqualTo(at(360));
        assertThat(reverted.getAfter().getSamples()).isEqualTo(29);
        assertThat(reverted.getAfter().getOverloadedSamples()).isEqualTo(29);
        assertThat(reverted.getObservedVti()).isEqualTo(6);
        // Nothing more to follow until it is applied again: a day of samples adds no event.
        samples(HOST, 370, 1800, 110.0);
        assertThat(pipe.outcomes()).isEmpty();
    }

    @Test
    void aTimeoutPanicAfterApplyingIsIneffectiveAndTheEscalationStartsANewLifecycle() {
        AdviceOutcome first = advise();
        pipe.guest(guest(VM, HOST, at(60), ADVISED_ARGS, at(50)));
        only(AdviceOutcomeStatus.APPLIED);
        samples(HOST, 70, 170, 110.0);
        pipe.panic(panic(VM, HOST, at(180), TLB_FLUSH, XNU_10_15, ADVISED_ARGS));

        AdviceOutcome ineffective = only(AdviceOutcomeStatus.INEFFECTIVE);
        assertThat(ineffective.getTime()).isEqualTo(at(180));
        // After: [T + 1 h, T + 3 h] = 1/12 day with one panic: 12 per day; samples T + 1:10 .. T + 2:50 = 11.
        assertThat(ineffective.getAfter().getTimeoutPanics()).isEqualTo(1);
        assertThat(ineffective.getAfter().getTimeoutPanicsPerDay()).isEqualTo(12.0);
        assertThat(ineffective.getAfter().getSamples()).isEqualTo(11);
        assertThat(ineffective.getReason()).contains("vti=9");

        // The correlator escalates once the panic's window has closed (a sample at or after T + 3 h + 3 min):
        // R = 110/32 = 3.44, step 3, vti 9 + 3 = 12 (the cap on xnu-6153).
        samples(HOST, 190, 190, 110.0);
        pipe.advanceWallClockTo(at(200));
        List<RemediationEvent> escalation = pipe.remediations();
        assertThat(escalation).extracting(RemediationEvent::getSuggestedVti).containsExactly(12);
        AdviceOutcome again = only(AdviceOutcomeStatus.ADVISED);
        assertThat(again.getSuggestedVti()).isEqualTo(12);
        assertThat(again.getRemediationId()).isNotEqualTo(first.getRemediationId())
                .isEqualTo(escalation.get(0).getRemediationId());
        assertThat(again.getAdvisedTime()).isEqualTo(at(180));
        // Before the new advice: [T + 3 h - 24 h, T + 3 h] holds both panics (T, T + 3 h): 2 per day.
        assertThat(again.getBefore().getTimeoutPanics()).isEqualTo(2);
        assertThat(again.getBefore().getTimeoutPanicsPerDay()).isEqualTo(2.0);
    }

    @Test
    void aGuestThatMigratesKeepsItsOutcomeAndIsJudgedOnItsNewHost() {
        advise();
        pipe.guest(guest(VM, HOST, at(60), ADVISED_ARGS, at(50)));
        only(AdviceOutcomeStatus.APPLIED);
        // Live-migrated to pve2 at T + 2 h: same boot, same boot-args; its samples now come from pve2.
        pipe.guest(guest(VM, "pve2", at(120), ADVISED_ARGS, at(50)));
        samples("pve2", 130, 1500, 48.0);

        AdviceOutcome effective = only(AdviceOutcomeStatus.EFFECTIVE);
        assertThat(effective.getHostId()).isEqualTo("pve2");
        // Samples T + 2:10 .. T + 25:00 = (1500 - 130) / 10 + 1 = 138, all 48/32 = 1.5 >= 1.0.
        assertThat(effective.getAfter().getSamples()).isEqualTo(138);
        assertThat(effective.getAfter().getOverloadedShare()).isEqualTo(1.0);
    }

    @Test
    void aGuestStateObservedBeforeTheTriggeringPanicSaysNothingAboutTheAdvice() {
        // Read before the panic: the guest ran the very boot-args the advice will suggest (a template's), then was
        // rebooted at T - 40 min onto keepsyms=1, which its panic at T shows. Neither counts: both are older than
        // the advice, so it is not APPLIED at T - 60 min and not NOT_APPLIED by that reboot.
        pipe.guest(guest(VM, HOST, at(-60), ADVISED_ARGS, T.minus(Duration.ofDays(3))));
        advise();
        // The late one, observed at T - 30 min after that reboot, arrives after the advice: still nothing.
        pipe.guest(guest(VM, HOST, at(-30), "keepsyms=1", at(-40)));
        assertThat(pipe.outcomes()).isEmpty();
        pipe.guest(guest(VM, HOST, at(120), ADVISED_ARGS, at(110)));
        assertThat(only(AdviceOutcomeStatus.APPLIED).getAppliedTime()).isEqualTo(at(120));
    }

    @Test
    void aGuestStateObservedAfterThePanicButReadBeforeTheAdviceAppliesItAtOnce() {
        overloadedPanicAtT();
        // The operator was quick: rebooted at T + 1 min with the advice before the pipeline published it.
        pipe.guest(guest(VM, HOST, at(2), ADVISED_ARGS, at(1)));
        assertThat(pipe.outcomes()).isEmpty();
        pipe.advanceWallClockTo(at(4));

        List<AdviceOutcome> outcomes = pipe.outcomes();
        assertThat(outcomes).extracting(AdviceOutcome::getStatus)
                .containsExactly(AdviceOutcomeStatus.ADVISED, AdviceOutcomeStatus.APPLIED);
        assertThat(outcomes.get(1).getAppliedTime()).isEqualTo(at(2));
    }

    @Test
    void aGuestStateObservedAfterThePanicButReadBeforeThePanicReportAppliesTheAdvice() {
        // Topics are read in no fixed order across partitions: the guest state of T + 2 min (the advice applied)
        // reaches the tracker before the panic report of T does, when the VM has no lifecycle yet. It must still
        // count once the panic is advised (CI saw NOT_APPLIED here, at the apply deadline, although the guest ran
        // the advice).
        pipe.guest(guest(VM, HOST, at(2), ADVISED_ARGS, at(1)));
        overloadedPanicAtT();
        pipe.advanceWallClockTo(at(4));

        List<AdviceOutcome> outcomes = pipe.outcomes();
        assertThat(outcomes).extracting(AdviceOutcome::getStatus)
                .containsExactly(AdviceOutcomeStatus.ADVISED, AdviceOutcomeStatus.APPLIED);
        assertThat(outcomes.get(1).getAppliedTime()).isEqualTo(at(2));
    }

    @Test
    void whatWasReadBeforeTheAdviceWasDecidedCountsInEventTimeOrder() throws Exception {
        // The sample at T + 1:10 is read before the panic is decided, so the panic's own samples must still be raw
        // then: a raw window of two hours instead of the default 30 minutes (docs/design.md#load-history).
        pipe.close();
        pipe = new TopologyHarness(PipelineSettings.from(Map.of(), Map.of("PANICWATCH_RAW_LOAD_RETENTION", "PT2H")), T);
        // A fast replay: the guest reports the advice at T + 1 h and again at T + 5 h before the pipeline has
        // decided the panic (no sample past T + 3 min yet); the sample at T + 1:10 makes it due, and the next
        // wall-clock punctuation decides it (stream time, pushed to T + 5 h by the guest state, has no punctuation
        // due).
        overloadedPanicAtT();
        pipe.guest(guest(VM, HOST, at(60), ADVISED_ARGS, at(50)));
        pipe.guest(guest(VM, HOST, at(300), ADVISED_ARGS, at(50)));
        assertThat(pipe.outcomes()).isEmpty();
        samples(HOST, 70, 70, 48.0);
        pipe.advanceWallClockTo(at(4));

        List<AdviceOutcome> outcomes = pipe.outcomes();
        assertThat(outcomes).extracting(AdviceOutcome::getStatus)
                .containsExactly(AdviceOutcomeStatus.ADVISED, AdviceOutcomeStatus.APPLIED);
        // Applied at the first observation, as live, not at the latest one read; the sample at T + 1:10, read
        // before the advice, counts after it.
        assertThat(outcomes.get(1).getAppliedTime()).isEqualTo(at(60));
        assertThat(outcomes.get(1).getAfter().getSamples()).isEqualTo(1);
        // Then as in the live case: (1500 - 70) / 10 + 1 = 144 samples, EFFECTIVE at T + 25 h.
        samples(HOST, 80, 1500, 48.0);
        AdviceOutcome effective = only(AdviceOutcomeStatus.EFFECTIVE);
        assertThat(effective.getTime()).isEqualTo(at(1500));
        assertThat(effective.getAfter().getSamples()).isEqualTo(144);
    }

    @Test
    void aDuplicateOrOlderGuestStateIsIgnored() {
        advise();
        GuestState applied = guest(VM, HOST, at(60), ADVISED_ARGS, at(50));
        pipe.guest(applied);
        only(AdviceOutcomeStatus.APPLIED);
        pipe.guest(applied);
        // A late panic report's observation from before the reboot (old boot-args at T + 40 min): older than the
        // one kept, so neither the state nor the outcome moves.
        pipe.guest(guest(VM, HOST, at(40), "keepsyms=1", T.minus(Duration.ofDays(3))));
        assertThat(pipe.outcomes()).isEmpty();
        assertThat(pipe.driver.<String, GuestState>getKeyValueStore(StoreNames.LATEST_GUEST_STATE_PER_VM).get(VM))
                .isEqualTo(applied);
        assertThat(current().getStatus()).isEqualTo(AdviceOutcomeStatus.APPLIED);
    }

    @Test
    void aPanicReportCarryingTheAdviceAppliesItAndIsItselfIneffective() {
        advise();
        samples(HOST, 10, 170, 110.0);
        pipe.panic(panic(VM, HOST, at(180), TLB_FLUSH, XNU_10_15, "keepsyms=1 tlbto_us=0 vti=9"));

        List<AdviceOutcome> outcomes = pipe.outcomes();
        assertThat(outcomes).extracting(AdviceOutcome::getStatus)
                .containsExactly(AdviceOutcomeStatus.APPLIED, AdviceOutcomeStatus.INEFFECTIVE);
        assertThat(outcomes.get(0).getReason()).contains("panic report");
        assertThat(outcomes.get(1).getAppliedTime()).isEqualTo(at(180));
    }
}
