package dev.panicwatch.streams.topology;

import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.advice.PanicFacts;

/**
 * What the advice-outcome tracker sees of one VM (docs/design.md#advice-outcome): the advice published for it,
 * what it was seen running, its panics and its load samples, on one stream keyed by vmId.
 */
sealed interface OutcomeInput {

    record Advised(RemediationEvent remediation) implements OutcomeInput {
    }

    record Observed(GuestState state) implements OutcomeInput {
    }

    record Panicked(PanicFacts facts) implements OutcomeInput {
    }

    record Sampled(EncodedLoadSample sample) implements OutcomeInput {
    }
}
