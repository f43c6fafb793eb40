package dev.panicwatch.kafka.registry;

/** A schema-registry call failed; the message names the registry, the call and what went wrong. */
public class SchemaRegistryException extends RuntimeException {

    private final int status;

    public SchemaRegistryException(String message, int status, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public SchemaRegistryException(String message, int status) {
        this(message, status, null);
    }

    /** HTTP status of the failed call, or -1 when the registry did not answer at all. */
    public int status() {
        return status;
    }
}
