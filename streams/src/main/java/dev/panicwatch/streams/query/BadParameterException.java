package dev.panicwatch.streams.query;

/** A request parameter is missing, unknown or malformed: HTTP 400 naming the parameter. */
public final class BadParameterException extends RuntimeException {

    private final String parameter;

    public BadParameterException(String parameter, String message) {
        super(message);
        this.parameter = parameter;
    }

    public String parameter() {
        return parameter;
    }
}
