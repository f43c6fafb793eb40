package dev.panicwatch.streams.app;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.function.LongSupplier;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.errors.MissingSourceTopicException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What to do when a stream thread dies. Under exactly-once a replacement thread starts from the last committed
 * transaction (the dead thread's open one is aborted), so replacing is safe and cures what a fresh start cures: a
 * store that failed to open, a timeout, a broker that went away for a moment. Replacements are bounded: more than
 * {@code maxReplacements} within {@code window} means the cause outlives a thread (a lock the process itself holds,
 * a broken disk), and the client is shut down so the process exits non-zero and its supervisor (systemd, compose)
 * starts a fresh one. Failures no new thread can cure (credentials, ACLs, a missing input topic, an unsupported
 * broker, a JVM {@link Error}) shut the client down at once.
 *
 * <p>Each replacement waits {@code backoff × 2^(n-1)} (capped at {@code maxBackoff}) on the dying thread before the
 * new thread is started, so a failure that repeats at once does not spin.
 */
public final class StreamThreadFailures implements StreamsUncaughtExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(StreamThreadFailures.class);

    private final int maxReplacements;
    private final Duration window;
    private final Duration backoff;
    private final Duration maxBackoff;
    private final LongSupplier nanoClock;
    private final Sleeper sleeper;
    private final Deque<Long> recent = new ArrayDeque<>();
    private volatile String lastFailure;
    private volatile String stopReason;

    /** How the backoff waits; tests pass one that records instead of sleeping. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration duration) throws InterruptedException;
    }

    /** The production policy: at most 3 replacements in 10 minutes, waiting 1 s, 2 s, 4 s. */
    public static StreamThreadFailures standard() {
        return new StreamThreadFailures(3, Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(30),
                System::nanoTime, d -> Thread.sleep(d.toMillis()));
    }

    StreamThreadFailures(int maxReplacements, Duration window, Duration backoff, Duration maxBackoff,
                         LongSupplier nanoClock, Sleeper sleeper) {
        this.maxReplacements = maxReplacements;
        this.window = window;
        this.backoff = backoff;
        this.maxBackoff = maxBackoff;
        this.nanoClock = nanoClock;
        this.sleeper = sleeper;
    }

    @Override
    public synchronized StreamThreadExceptionResponse handle(Throwable failure) {
        String cause = describe(failure);
        lastFailure = cause;
        String incurable = incurable(failure);
        if (incurable != null) {
            return stop("stream thread failed (" + incurable + "): " + cause, failure);
        }
        long now = nanoClock.getAsLong();
        while (!recent.isEmpty() && now - recent.peekFirst() > window.toNanos()) {
            recent.removeFirst();
        }
        if (recent.size() >= maxReplacements) {
            return stop("stream thread failed " + (recent.size() + 1) + " times within " + window
                    + "; a new thread did not cure it: " + cause, failure);
        }
        recent.addLast(now);
        int attempt = recent.size();
        Duration wait = backoff.multipliedBy(1L << Math.min(attempt - 1, 20));
        if (wait.compareTo(maxBackoff) > 0) {
            wait = maxBackoff;
        }
        LOG.warn("stream thread failed; replacing it in {} ms (replacement {} of at most {} within {}): {}",
                wait.toMillis(), attempt, maxReplacements, window, cause, failure);
        try {
            sleeper.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // closing: replace at once, the close stops the new thread
        }
        return StreamThreadExceptionResponse.REPLACE_THREAD;
    }

    /** Why the client was shut down, once it was; empty while it runs. */
    public Optional<String> stopReason() {
        return Optional.ofNullable(stopReason);
    }

    /** The last stream-thread failure seen (cured by a replacement or not); empty when there was none. */
    public Optional<String> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    private StreamThreadExceptionResponse stop(String reason, Throwable failure) {
        stopReason = reason;
        LOG.error("shutting the streams app down, the process will exit non-zero: {}", reason, failure);
        return StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    }

    /** The reason a new thread would fail the same way, or null when one may cure it. */
    private static String incurable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof Error) {
                return "JVM error " + t.getClass().getSimpleName();
            }
            if (t instanceof AuthenticationException || t instanceof AuthorizationException) {
                return "credentials or ACLs refused";
            }
            if (t instanceof MissingSourceTopicException) {
                return "an input topic is missing";
            }
            if (t instanceof UnsupportedVersionException) {
                return "the broker does not support a needed feature";
            }
            if (t instanceof ConfigException) {
                return "invalid configuration";
            }
        }
        return null;
    }

    /** The failure and its root cause on one line, as an operator reads it in /health and the log. */
    static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = failure.getClass().getSimpleName() + ": " + failure.getMessage();
        return root == failure ? top : top + " | caused by " + root.getClass().getSimpleName() + ": "
                + root.getMessage();
    }
}
