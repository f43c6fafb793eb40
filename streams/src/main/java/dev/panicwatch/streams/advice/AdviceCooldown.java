package dev.panicwatch.streams.advice;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * docs/design.md#cooldown: one event per VM per cooldown unless the advice changes, and a panic that arrives with
 * vti already at or above the last suggestion always escalates. Times are panic times, not processing times, so a
 * replay of the same reports yields the same events.
 */
public final class AdviceCooldown {

    private final Duration cooldown;

    public AdviceCooldown(Duration cooldown) {
        this.cooldown = cooldown;
    }

    /**
     * @param publish              whether to publish an event for this panic
     * @param triggeringReportIds  the reports the event answers (held ones first, this one last)
     * @param panicsInWindow       timeout panics of the VM within one cooldown of this one, this one included
     * @param history              the VM's history after this decision
     */
    public record Decision(boolean publish, List<String> triggeringReportIds, int panicsInWindow,
                           AdviceHistory history) {
    }

    /**
     * The last suggestion this panic escalates from: the vti the last published advice suggested, when the guest
     * already runs at least that (it applied the advice and still panicked); else null.
     */
    public Integer escalatingFrom(AdviceHistory history, PanicFacts panic) {
        if (history == null || history.lastSuggestedVti() == null) {
            return null;
        }
        return panic.currentVti() >= history.lastSuggestedVti() ? history.lastSuggestedVti() : null;
    }

    /** Decides one timeout panic's advice against the VM's history (null for a VM never advised). */
    public Decision decide(AdviceHistory history, PanicFacts panic, Advice advice) {
        long now = panic.panicTime().toEpochMilli();
        List<Long> recent = new ArrayList<>();
        if (history != null) {
            for (long t : history.timeoutPanicMillis()) {
                if (Math.abs(now - t) < cooldown.toMillis()) {
                    recent.add(t);
                }
            }
        }
        recent.add(now);
        boolean withinCooldown = history != null && Math.abs(now - history.lastEmittedPanicMillis()) < cooldown.toMillis();
        boolean sameAdvice = history != null && advice.signature().equals(history.lastSignature());
        boolean escalates = escalatingFrom(history, panic) != null;
        List<String> triggering = new ArrayList<>(history == null ? List.of() : history.heldReportIds());
        triggering.add(panic.reportId());
        if (withinCooldown && sameAdvice && !escalates) {
            return new Decision(false, triggering, recent.size(), new AdviceHistory(history.lastEmittedPanicMillis(),
                    history.lastSignature(), history.lastSuggestedVti(), triggering, recent));
        }
        return new Decision(true, triggering, recent.size(),
                new AdviceHistory(now, advice.signature(), advice.suggestedVti(), List.of(), recent));
    }
}
