package dev.panicwatch.reliability;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.time.Duration;

/** Conditions on a child streams process's log, which is appended across restarts. */
final class ChildLog {

    private ChildLog() {
    }

    /** Waits until the log shows the {@code n}th transition to RUNNING; fails at once when the process exits. */
    static void awaitRunning(PanicwatchProcess streams, int n, Duration atMost) {
        await().atMost(atMost).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!streams.isAlive()) {
                throw new AssertionError("streams process exited with " + streams.exitValue() + "; see "
                        + streams.logFile());
            }
            return count(streams, "-> RUNNING") >= n;
        });
    }

    /** How often {@code text} occurs in the log so far. */
    static int count(PanicwatchProcess streams, String text) throws IOException {
        return streams.log().split(java.util.regex.Pattern.quote(text), -1).length - 1;
    }
}
