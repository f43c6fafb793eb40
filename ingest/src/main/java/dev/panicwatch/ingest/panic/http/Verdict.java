package dev.panicwatch.ingest.panic.http;

import java.util.Map;

/**
 * The receiver's answer to one submission: HTTP status, JSON body, and for 503 how many seconds the sender should wait.
 */
public record Verdict(int status, Map<String, Object> body, Integer retryAfterSeconds) {

    static Verdict error(int status, String message) {
        return new Verdict(status, Map.of("error", message), null);
    }

    static Verdict accepted(String reportId, boolean duplicate) {
        return new Verdict(202, Map.of("reportId", reportId, "duplicate", duplicate), null);
    }

    static Verdict unavailable(String message, int retryAfterSeconds) {
        return new Verdict(503, Map.of("error", message), retryAfterSeconds);
    }
}
