package dev.panicwatch.notify;

import java.time.Duration;
import java.util.Optional;

/** What became of one try to hand one message to one target. */
sealed interface Delivery {

    /** The target took it. */
    record Taken() implements Delivery {
    }

    /** Worth another try (an outage, 429, 5xx, a timeout), after {@code retryAfter} when the target said so. */
    record TryAgain(String reason, Optional<Duration> retryAfter) implements Delivery {
    }

    /** Trying again cannot help (a 4xx that is not 408/429, a refused recipient): given up for good at once. */
    record Refused(String reason) implements Delivery {
    }
}
