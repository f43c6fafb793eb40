package dev.panicwatch.streams.query;

/** The owning instance answered a forwarded request with an error; it is relayed to the client as it came. */
public final class PeerAnswerException extends RuntimeException {

    private final int status;
    private final String body;

    public PeerAnswerException(String peer, int status, String body) {
        super("instance " + peer + " answered " + status + ": " + body);
        this.status = status;
        this.body = body;
    }

    public int status() {
        return status;
    }

    /** The peer's JSON error body. */
    public String body() {
        return body;
    }
}
