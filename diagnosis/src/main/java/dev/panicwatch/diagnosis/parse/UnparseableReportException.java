package dev.panicwatch.diagnosis.parse;

/**
 * The input holds no panic Panicwatch can read. The message says why in words meant for the person who sent it (e.g.
 * "no panic line … found", "the JSON report has no panicString"), so callers can pass it on as is.
 */
public final class UnparseableReportException extends Exception {

    private static final long serialVersionUID = 1L;

    public UnparseableReportException(String reason) {
        super(reason);
    }
}
