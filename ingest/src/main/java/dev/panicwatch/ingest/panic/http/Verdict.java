package dev.panicwatch.ingest.panic.http;

import java.util.Map;
import java.util.concurrent.TimeoutException;

/**
 * The receiver's answer to one submission: HTTP status, JSON body, and for 503 how many seconds the sender should wait.
 */
public record Verdict(int status, Map<String, Object> body, Integer retryAfterSeconds) {

    public static Verdict error(int status, String message) {
        return new Verdict(status, Map.of("error", message), null);
    }

    static Verdict accepted(String reportId, boolean duplicate) {
        return accepted(Map.of("reportId", reportId, "duplicate", duplicate));
    }

    public static Verdict accepted(Map<String, Object> body) {
        return new Verdict(202, body, null);
    }

    /**
     * 503 for a record Kafka did not acknowledge in time. Not "lost": the sender still has it and sends it again. Not
     * "certainly absent" either: a timed-out write may still land, so a retry can make a second copy.
     *
     * @param what  what was not stored, for the message ("report", "guest state")
     * @param cause the publish's failure (a {@link TimeoutException} when the wait ran out)
     */
    public static Verdict unacknowledged(String what, Throwable cause) {
        String reason = cause instanceof TimeoutException ? "no answer within the acknowledgement timeout"
                : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        return unavailable("Kafka did not acknowledge the " + what + " (" + reason + "); it is not confirmed "
                + "stored: send it again in " + PanicReportIntake.RETRY_AFTER_SECONDS + " s",
                PanicReportIntake.RETRY_AFTER_SECONDS);
    }

    public static Verdict unavailable(String message, int retryAfterSeconds) {
        return new Verdict(503, Map.of("error", message), retryAfterSeconds);
    }
}
