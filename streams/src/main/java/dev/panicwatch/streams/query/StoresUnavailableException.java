package dev.panicwatch.streams.query;

/**
 * The answer cannot be given right now without risking a wrong one: Kafka Streams is not RUNNING (starting,
 * rebalancing, restoring), a store moved while it was read, or the instance owning the key cannot be reached.
 * HTTP 503 with {@code Retry-After}.
 */
public final class StoresUnavailableException extends RuntimeException {

    public StoresUnavailableException(String message) {
        super(message);
    }

    public StoresUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
