package dev.panicwatch.ingest.panic;

import dev.panicwatch.schemas.ReportFormat;

/**
 * The parser's {@link dev.panicwatch.diagnosis.parse.ReportFormat} as the published {@link ReportFormat} of a
 * {@code PanicReport}. The parser keeps its own enum so that it needs no Avro (docs/design.md#report-format); this is
 * the one place the two meet. The switch names every parser constant, so a new one does not compile until it is
 * mapped; {@code PublishedReportFormatTest} fails when the schema gains a format the parser cannot produce.
 */
final class PublishedReportFormat {

    private PublishedReportFormat() {
    }

    static ReportFormat of(dev.panicwatch.diagnosis.parse.ReportFormat parsed) {
        return switch (parsed) {
            case LEGACY_TEXT -> ReportFormat.LEGACY_TEXT;
            case IPS_JSON -> ReportFormat.IPS_JSON;
        };
    }
}
