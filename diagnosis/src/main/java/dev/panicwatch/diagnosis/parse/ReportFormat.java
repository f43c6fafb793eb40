package dev.panicwatch.diagnosis.parse;

/**
 * How the guest wrote the report (docs/design.md#report-format). The Avro contract has an enum of the same names; the
 * collectors map this one to it where they build a {@code PanicReport} ({@code ingest.panic.PublishedReportFormat}).
 */
public enum ReportFormat {
    /** The plain-text report ({@code *.panic}, {@code Kernel-*.panic}). */
    LEGACY_TEXT,
    /** The JSON {@code .ips} report, its panic text in {@code panicString} or {@code macOSPanicString}. */
    IPS_JSON
}
