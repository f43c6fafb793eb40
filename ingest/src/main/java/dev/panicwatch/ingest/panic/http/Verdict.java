package dev.panicwatch.ingest.panic.http;

import java.util.Map;

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

    public static Verdict unavailable(String message, int retryAfterSeconds) {
        return new Verdict(503, Map.of("error", message), retryAfterSeconds);
    }
}
