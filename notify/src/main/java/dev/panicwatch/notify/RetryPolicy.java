package dev.panicwatch.notify;

import java.time.Duration;
import java.util.Optional;

/**
 * How hard one target is tried with one event before it is given up for good: {@code attempts} tries in all, the
 * wait doubling from {@code initialBackoff} up to {@code maxBackoff}; a {@code Retry-After} from the target wins
 * over the computed wait (still capped, so a target cannot park the notifier for a day).
 *
 * @param requestTimeout how long one try may take before it counts as failed (a slow target)
 */
record RetryPolicy(int attempts, Duration initialBackoff, Duration maxBackoff, Duration requestTimeout) {

    static final RetryPolicy DEFAULT = new RetryPolicy(8, Duration.ofSeconds(1), Duration.ofMinutes(5),
            Duration.ofSeconds(10));

    /** The wait after failed try number {@code failedTry} (1 for the first). */
    Duration delayAfter(int failedTry, Optional<Duration> retryAfter) {
        if (retryAfter.isPresent()) {
            return min(retryAfter.get(), maxBackoff);
        }
        Duration delay = initialBackoff;
        for (int i = 1; i < failedTry && delay.compareTo(maxBackoff) < 0; i++) {
            delay = delay.multipliedBy(2);
        }
        return min(delay, maxBackoff);
    }

    static RetryPolicy read(ConfigNode node, RetryPolicy defaults) {
        RetryPolicy policy = new RetryPolicy(node.integer("attempts", 1, 1000).orElse(defaults.attempts),
                node.duration("initialBackoff").orElse(defaults.initialBackoff),
                node.duration("maxBackoff").orElse(defaults.maxBackoff),
                node.duration("requestTimeout").orElse(defaults.requestTimeout));
        node.refuseUnknownKeys();
        if (policy.maxBackoff.compareTo(policy.initialBackoff) < 0) {
            throw node.invalid("maxBackoff", "is shorter than initialBackoff (" + policy.initialBackoff + ")");
        }
        return policy;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
