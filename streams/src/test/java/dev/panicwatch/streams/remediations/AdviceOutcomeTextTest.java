package dev.panicwatch.streams.remediations;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.OutcomePeriod;

class AdviceOutcomeTextTest {

    private static final Instant ADVISED = Instant.parse("2026-03-02T10:15:00Z");
    private static final Instant APPLIED = Instant.parse("2026-03-02T10:25:05Z");

    /** pve3/301 of the bundled loop scenario at EFFECTIVE (its README has the figures). */
    private static AdviceOutcome effective() {
        return AdviceOutcome.newBuilder()
                .setVmId("pve3/301").setHostId("pve3").setStatus(AdviceOutcomeStatus.EFFECTIVE)
                .setTime(Instant.parse("2026-03-02T10:55:10Z"))
                .setReason("no timeout panic in PT30M5S since the advice was applied")
                .setRemediationId("r-1").setAdvisedTime(ADVISED).setSuggestedVti(9).setTlbTimeoutDisabled(true)
                .setSuggestedBootArgs("keepsyms=1 tlbto_us=0 vti=9").setAppliedTime(APPLIED)
                .setObservedBootArgs("keepsyms=1 tlbto_us=0 vti=9").setObservedVti(9)
                .setBefore(period(ADVISED.minus(Duration.ofMinutes(30)), ADVISED, 1, 48.0, 91, 91))
                .setAfter(period(APPLIED, Instant.parse("2026-03-02T10:55:10Z"), 0, 0.0, 181, 181))
                .build();
    }

    private static OutcomePeriod period(Instant start, Instant end, int panics, double perDay, int samples,
                                        int overloaded) {
        return OutcomePeriod.newBuilder().setStart(start).setEnd(end).setTimeoutPanics(panics)
                .setTimeoutPanicsPerDay(perDay).setSamples(samples).setOverloadedSamples(overloaded)
                .setOverloadedShare(samples == 0 ? null : (double) overloaded / samples).build();
    }

    @Test
    void anOutcomeIsOneAsciiLineWithTheTimesAndBothPeriods() {
        String line = AdviceOutcomeText.readable(effective());
        assertThat(line).isEqualTo("2026-03-02T10:55:10Z  VM pve3/301 on host pve3: advice EFFECTIVE (vti=9 "
                + "tlbto_us=0, advised 2026-03-02T10:15:00Z, applied 2026-03-02T10:25:05Z); before: 1 timeout panic "
                + "in 30 min = 48.0/day, 91 of 91 samples overloaded; after: 0 timeout panics in 30 min 5 s = "
                + "0.0/day, 181 of 181 samples overloaded; why: no timeout panic in PT30M5S since the advice was "
                + "applied");
        assertThat(line).doesNotContain("\n").matches("\\p{ASCII}*");
    }

    @Test
    void beforeApplyingThereIsNoAfterNorAppliedTimeAndNoHostIsLeftOut() {
        AdviceOutcome advised = AdviceOutcome.newBuilder(effective()).setStatus(AdviceOutcomeStatus.ADVISED)
                .setHostId(null).setTime(ADVISED).setTlbTimeoutDisabled(false).setAppliedTime(null).setAfter(null)
                .setBefore(period(ADVISED.minus(Duration.ofMinutes(30)), ADVISED, 2, 96.0, 0, 0))
                .setReason("advised vti=9").build();
        assertThat(AdviceOutcomeText.readable(advised)).isEqualTo("2026-03-02T10:15:00Z  VM pve3/301: advice ADVISED "
                + "(vti=9, advised 2026-03-02T10:15:00Z); before: 2 timeout panics in 30 min = 96.0/day, no "
                + "samples; after: -; why: advised vti=9");
    }

    @Test
    void atAppliedTheStretchAfterStartsNow() {
        AdviceOutcome applied = AdviceOutcome.newBuilder(effective()).setStatus(AdviceOutcomeStatus.APPLIED)
                .setTime(APPLIED).setAfter(period(APPLIED, APPLIED, 0, 0.0, 92, 92)).setReason("carries the advice")
                .build();
        assertThat(AdviceOutcomeText.readable(applied)).endsWith("91 of 91 samples overloaded; after: starts now; "
                + "why: carries the advice");
    }

    @Test
    void lengthsReadInWholeUnits() {
        assertThat(AdviceOutcomeText.length(Duration.ZERO)).isEqualTo("0 s");
        assertThat(AdviceOutcomeText.length(Duration.parse("PT21M55S"))).isEqualTo("21 min 55 s");
        assertThat(AdviceOutcomeText.length(Duration.ofHours(24))).isEqualTo("1 d");
        assertThat(AdviceOutcomeText.length(Duration.parse("PT25H0M7S"))).isEqualTo("1 d 1 h 7 s");
    }

    @Test
    void theFieldsAreTheAvroNamesWithIsoTimes() {
        Map<String, Object> fields = AdviceOutcomeText.fields(effective());
        assertThat(fields).containsEntry("vmId", "pve3/301").containsEntry("status", "EFFECTIVE")
                .containsEntry("time", "2026-03-02T10:55:10Z").containsEntry("advisedTime", "2026-03-02T10:15:00Z")
                .containsEntry("appliedTime", "2026-03-02T10:25:05Z");
        @SuppressWarnings("unchecked")
        Map<String, Object> after = (Map<String, Object>) fields.get("after");
        assertThat(after).containsEntry("samples", 181).containsEntry("start", "2026-03-02T10:25:05Z");
    }
}
