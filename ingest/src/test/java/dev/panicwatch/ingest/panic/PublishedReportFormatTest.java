package dev.panicwatch.ingest.panic;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.ReportFormat;

class PublishedReportFormatTest {

    @Test
    void eachParsedFormatIsPublishedUnderItsOwnName() {
        assertThat(PublishedReportFormat.of(dev.panicwatch.diagnosis.parse.ReportFormat.LEGACY_TEXT))
                .isEqualTo(ReportFormat.LEGACY_TEXT);
        assertThat(PublishedReportFormat.of(dev.panicwatch.diagnosis.parse.ReportFormat.IPS_JSON))
                .isEqualTo(ReportFormat.IPS_JSON);
    }

    @Test
    void everyPublishedFormatIsOneTheParserProduces() {
        // A symbol added to ReportFormat.avsc without a parser format would never be written; make that a decision.
        assertThat(Arrays.stream(dev.panicwatch.diagnosis.parse.ReportFormat.values()).map(PublishedReportFormat::of))
                .containsExactlyInAnyOrder(ReportFormat.values());
    }
}
