package dev.panicwatch.streams.query;

/** No VM (or host) with this id is known to the stores within their retention, or it has no advice: HTTP 404. */
public final class UnknownSubjectException extends RuntimeException {

    public UnknownSubjectException(String message) {
        super(message);
    }
}
