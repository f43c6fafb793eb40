package dev.panicwatch.streams.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.streams.errors.ProcessorStateException;
import org.apache.kafka.streams.errors.StreamsException;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.junit.jupiter.api.Test;

class StreamThreadFailuresTest {

    private final AtomicLong nanos = new AtomicLong();
    private final List<Duration> waits = new ArrayList<>();
    // At most 3 replacements in 10 minutes, 1 s doubling, capped at 3 s.
    private final StreamThreadFailures failures = new StreamThreadFailures(3, Duration.ofMinutes(10),
            Duration.ofSeconds(1), Duration.ofSeconds(3), nanos::get, waits::add);

    private static Throwable lockError() {
        return new StreamsException(new ProcessorStateException("Error opening store recent-load-per-vm.1796040000000",
                new RuntimeException("lock hold by current process")));
    }

    @Test
    void aStoreThatFailedToOpenGetsANewThreadAfterABackoffThatDoublesUpToItsCap() {
        for (int i = 0; i < 3; i++) {
            assertThat(failures.handle(lockError())).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        }
        // 1 s, 2 s, then 4 s capped at 3 s.
        assertThat(waits).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3));
        assertThat(failures.stopReason()).isEmpty();
        assertThat(failures.lastFailure()).get().asString().contains("ProcessorStateException",
                "lock hold by current process");
    }

    @Test
    void theFourthFailureWithinTheWindowStopsTheClientAndSaysWhy() {
        for (int i = 0; i < 3; i++) {
            failures.handle(lockError());
            nanos.addAndGet(Duration.ofMinutes(1).toNanos());
        }

        assertThat(failures.handle(lockError())).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.stopReason()).get().asString()
                .startsWith("stream thread failed 4 times within PT10M")
                .contains("Error opening store recent-load-per-vm.1796040000000", "lock hold by current process");
        assertThat(waits).hasSize(3); // no wait before a shutdown
    }

    @Test
    void failuresOlderThanTheWindowNoLongerCount() {
        for (int i = 0; i < 3; i++) {
            failures.handle(lockError());
        }
        nanos.addAndGet(Duration.ofMinutes(10).plusSeconds(1).toNanos());

        assertThat(failures.handle(lockError())).isEqualTo(StreamThreadExceptionResponse.REPLACE_THREAD);
        assertThat(waits.get(3)).as("the count starts again, so does the backoff").isEqualTo(Duration.ofSeconds(1));
    }

    @Test
    void refusedCredentialsStopAtOnceBecauseNoNewThreadWouldGetIn() {
        Throwable refused = new StreamsException(new SaslAuthenticationException("Authentication failed"));

        assertThat(failures.handle(refused)).isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.stopReason()).get().asString().contains("credentials or ACLs refused",
                "Authentication failed");
        assertThat(waits).isEmpty();
    }

    @Test
    void aJvmErrorStopsAtOnce() {
        assertThat(failures.handle(new StreamsException(new OutOfMemoryError("Java heap space"))))
                .isEqualTo(StreamThreadExceptionResponse.SHUTDOWN_CLIENT);
        assertThat(failures.stopReason()).get().asString().contains("JVM error OutOfMemoryError");
    }
}
