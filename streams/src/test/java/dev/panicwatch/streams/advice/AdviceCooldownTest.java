package dev.panicwatch.streams.advice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.schemas.RemediationAction;

class AdviceCooldownTest {

    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");
    private final AdviceCooldown cooldown = new AdviceCooldown(Duration.ofHours(1));

    private static PanicFacts panic(String id, Duration after, int vti) {
        return new PanicFacts(id, "vm", "h", T.plus(after), PanicClass.TLB_FLUSH_TIMEOUT, true, vti, null, null, "");
    }

    private static Advice raise(int to) {
        return new Advice(Verdict.RAISE_VTI, List.of(RemediationAction.RAISE_VTI), to, "vti=" + to, 1L, 2L, "",
                new OverloadJudgement(true, List.of("load1/CPUs peaked at 3.44 (threshold 1.00)"), List.of()));
    }

    @Test
    void firstAdviceIsPublished() {
        AdviceCooldown.Decision d = cooldown.decide(null, panic("a", Duration.ZERO, 6), raise(9));
        assertThat(d.publish()).isTrue();
        assertThat(d.triggeringReportIds()).containsExactly("a");
        assertThat(d.panicsInWindow()).isEqualTo(1);
    }

    @Test
    void sameAdviceWithinCooldownIsHeldAndJoinsTheNextEvent() {
        AdviceHistory h = cooldown.decide(null, panic("a", Duration.ZERO, 6), raise(9)).history();
        AdviceCooldown.Decision held = cooldown.decide(h, panic("b", Duration.ofMinutes(59), 6), raise(9));
        assertThat(held.publish()).isFalse();
        // 61 min after "a" (the last published): the cooldown is over. "b" (2 min earlier) is within the hour.
        AdviceCooldown.Decision next = cooldown.decide(held.history(), panic("c", Duration.ofMinutes(61), 6), raise(9));
        assertThat(next.publish()).isTrue();
        assertThat(next.triggeringReportIds()).containsExactly("b", "c");
        assertThat(next.panicsInWindow()).isEqualTo(2);
    }

    @Test
    void changedAdviceIsPublishedWithinCooldown() {
        AdviceHistory h = cooldown.decide(null, panic("a", Duration.ZERO, 6), raise(9)).history();
        assertThat(cooldown.decide(h, panic("b", Duration.ofMinutes(5), 6), raise(10)).publish()).isTrue();
    }

    @Test
    void guestAtOrAboveTheLastSuggestionEscalates() {
        AdviceHistory h = cooldown.decide(null, panic("a", Duration.ZERO, 6), raise(9)).history();
        assertThat(cooldown.escalatingFrom(h, panic("b", Duration.ofMinutes(5), 8))).isNull();
        assertThat(cooldown.escalatingFrom(h, panic("b", Duration.ofMinutes(5), 9))).isEqualTo(9);
        assertThat(cooldown.escalatingFrom(null, panic("b", Duration.ofMinutes(5), 9))).isNull();
    }
}
