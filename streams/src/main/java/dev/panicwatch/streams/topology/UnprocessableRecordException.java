package dev.panicwatch.streams.topology;

/** A record that was read but cannot be used; it goes to the dead letters with this message. */
public class UnprocessableRecordException extends RuntimeException {

    public UnprocessableRecordException(String message) {
        super(message);
    }
}
