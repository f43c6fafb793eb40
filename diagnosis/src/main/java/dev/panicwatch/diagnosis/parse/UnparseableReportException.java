package dev.panicwatch.diagnosis.parse;

/**
 * The input holds no panic (no {@code panic(} line, no {@code Panic(CPU …)} section, no {@code panicString} /
 * {@code macOSPanicString} field). The message says what was looked for.
 *
 * <p>TEMPORARY copy on the collectors branch so the collectors build on their own; the parser helper's version
 * replaces it at merge.
 */
public class UnparseableReportException extends RuntimeException {

    public UnparseableReportException(String message) {
        super(message);
    }
}
