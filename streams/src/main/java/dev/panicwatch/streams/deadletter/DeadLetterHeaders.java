package dev.panicwatch.streams.deadletter;

/** Headers on every dead letter, saying where the record came from and why it could not be handled. */
public final class DeadLetterHeaders {

    public static final String TOPIC = "panicwatch.error.topic";
    public static final String PARTITION = "panicwatch.error.partition";
    public static final String OFFSET = "panicwatch.error.offset";
    /** Fully qualified class name of the exception. */
    public static final String ERROR_CLASS = "panicwatch.error.class";
    /** The exception's message, with the messages of its causes. */
    public static final String ERROR_MESSAGE = "panicwatch.error.message";
    /** {@code deserialization} or {@code processing}. */
    public static final String STAGE = "panicwatch.error.stage";
    /** The processor that failed (processing errors only). */
    public static final String PROCESSOR = "panicwatch.error.processor";

    private DeadLetterHeaders() {
    }
}
