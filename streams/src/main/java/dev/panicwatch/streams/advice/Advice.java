package dev.panicwatch.streams.advice;

import java.util.List;

import dev.panicwatch.schemas.RemediationAction;

/**
 * The advice for one panic, before cooldown decides whether it is published.
 *
 * @param verdict                 the rule that decided it
 * @param actions                 what to do, most direct first (empty for {@link Verdict#NO_REMEDIATION})
 * @param suggestedVti            vti to set, or null when raising it would not help
 * @param suggestedBootArgs       complete boot-args to set, or null
 * @param timeoutBeforeMillis     TLB/lock timeout now (null where vti does not govern the panic's timeout)
 * @param timeoutAfterMillis      TLB/lock timeout with the suggested vti (null without a suggestion)
 * @param rationale               one readable paragraph
 * @param overload                whether the host was overloaded in the window, as the rule that decided saw it (not
 *                                overloaded without samples, or for a panic the load does not matter to); the
 *                                published evidence carries this judgement, so it is made once
 */
public record Advice(Verdict verdict, List<RemediationAction> actions, Integer suggestedVti, String suggestedBootArgs,
                     Long timeoutBeforeMillis, Long timeoutAfterMillis, String rationale, OverloadJudgement overload) {

    public Advice {
        actions = List.copyOf(actions);
    }

    public boolean isRemediation() {
        return verdict != Verdict.NO_REMEDIATION;
    }

    /** What makes two pieces of advice "the same" for the cooldown: the rule, the vti and the boot-args. */
    public String signature() {
        return verdict + "|" + actions + "|" + suggestedVti + "|" + suggestedBootArgs;
    }
}
