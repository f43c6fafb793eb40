package dev.panicwatch.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.stream.IntStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BenchReportTest {

    private static BenchReport report(double rssMb) {
        return new BenchReport(10_000, 30, 300_000, 129, 60_000, 110_000, 5.0, 12.0, 120_000, 150_000, 100, 180, 420, 900, 210,
                100, 100, rssMb, 35.5, 4.25, 200, 30, 30_150, 50, 4_900, 2, 3.5, 4.0, Map.of());
    }

    @Test
    void jsonSummaryIsOneLineWithTheKeysIssue8NamesAndTheRatioDividedOut() throws Exception {
        String json = report(612.4).toJson();

        assertThat(json).doesNotContain("\n");
        JsonNode node = new ObjectMapper().readTree(json);
        assertThat(node.fieldNames()).toIterable().startsWith("samplesPerSec", "baselineProducerPerSec", "ratio",
                "p50Ms", "p99Ms", "maxMs", "rssMb");
        assertThat(node.fieldNames()).toIterable().contains("baselineConsumerPerSec", "vms", "samples",
                "parserMBPerSec", "hostSamplerMsPerRound", "loadAverageStart", "commitIntervalMs");
        assertThat(node.get("samplesPerSec").asDouble()).isEqualTo(60_000);
        // 60,000 samples/s over a 120,000 records/s producer baseline.
        assertThat(node.get("ratio").asDouble()).isEqualTo(0.5);
        assertThat(node.get("rssMb").asDouble()).isEqualTo(612);
        assertThat(node.get("vms").asInt()).isEqualTo(10_000);
        assertThat(node.get("samples").asLong()).isEqualTo(300_000);
        assertThat(node.get("secondHalfSamplesPerSec").asDouble()).isEqualTo(110_000);
    }

    @Test
    void guestStatesAndWhatTheAppMadeOfThemAreInBothForms() throws Exception {
        BenchReport report = report(400);

        JsonNode node = new ObjectMapper().readTree(report.toJson());
        assertThat(node.get("guestStateEvery").asInt()).isEqualTo(30);
        assertThat(node.get("guestStates").asLong()).isEqualTo(30_150);
        assertThat(node.get("appliedOutcomes").asLong()).isEqualTo(50);
        assertThat(node.get("preventiveRemediations").asLong()).isEqualTo(4_900);
        assertThat(report.toText()).containsPattern("guest states +30,150 +one per VM every 30 samples")
                .contains("50 APPLIED, 4,900 preventive remediations");
    }

    @Test
    void withoutGuestStatesTheReportSaysSo() {
        BenchReport off = new BenchReport(10_000, 30, 300_000, 129, 60_000, 110_000, 5.0, 12.0, 120_000, 150_000, 100,
                180, 420, 900, 210, 100, 100, 400, 35.5, 4.25, 200, 0, 0, 0, 0, 2, 3.5, 4.0, Map.of());

        assertThat(off.toText()).contains("guest states          none (--guest-state-every 0)");
    }

    @Test
    void aFigureThePlatformCannotGiveIsNullNotInvalidJson() throws Exception {
        JsonNode node = new ObjectMapper().readTree(report(Double.NaN).toJson());

        assertThat(node.get("rssMb").isNull()).isTrue();
    }

    @Test
    void textSaysWhichGoalsAreMet() {
        String text = report(612.4).toText();

        // 60,000 < 100,000 samples/s over the run, 110,000 over its second half; ratio 0.5 meets >= 0.5;
        // p99 420 <= 1000; 612 MiB <= 1024.
        assertThat(text).containsPattern("pipeline throughput +60,000 samples/s +\\(goal >= 100,000: NOT met\\)")
                .containsPattern("second half +110,000 samples/s +\\(goal >= 100,000: met\\)").contains("(goal >= 0.5: met)")
                .contains("(goal p99 <= 1000 ms: met)").contains("with 10,000 VMs of state: met");
    }

    @Test
    void aTuningTriedWithAppEnvIsNamedInBothFormsAndItsIntervalsReported() throws Exception {
        Map<String, String> tuning = Map.of("KAFKA_COMMIT_INTERVAL_MS", "1000", "PANICWATCH_PUNCTUATION_INTERVAL", "PT0.5S");
        BenchReport report = new BenchReport(10_000, 30, 300_000, 129, 60_000, 110_000, 5.0, 12.0, 120_000, 150_000, 100,
                180, 420, 900, 210, BenchRun.commitIntervalMs(tuning), BenchRun.punctuationIntervalMs(tuning), 400,
                35.5, 4.25, 200, 30, 30_150, 50, 4_900, 2, 3.5, 4.0, tuning);

        JsonNode node = new ObjectMapper().readTree(report.toJson());
        assertThat(node.get("appSettings").get("KAFKA_COMMIT_INTERVAL_MS").asText()).isEqualTo("1000");
        assertThat(node.get("commitIntervalMs").asLong()).isEqualTo(1000);
        assertThat(node.get("punctuationIntervalMs").asLong()).isEqualTo(500);
        assertThat(report.toText()).startsWith("Panicwatch benchmark:")
                .contains("commit interval 1000 ms, punctuation interval 500 ms")
                .endsWith("  streams settings from --app-env: {KAFKA_COMMIT_INTERVAL_MS=1000, "
                        + "PANICWATCH_PUNCTUATION_INTERVAL=PT0.5S}\n");
        // Without a tuning the bench's own settings are the ones in force.
        assertThat(BenchRun.commitIntervalMs(Map.of())).isEqualTo(100);
        assertThat(BenchRun.punctuationIntervalMs(Map.of())).isEqualTo(100);
    }

    @Test
    void latencyPercentilesAreNearestRank() {
        // 1..100 ms: the 50th smallest is 50, the 99th smallest 99, the largest 100, the mean 50.5.
        PipelineBenchmark.Latency latency = PipelineBenchmark.Latency.of(
                IntStream.rangeClosed(1, 100).mapToObj(i -> (double) (101 - i)).toList());

        assertThat(latency.p50Ms()).isEqualTo(50);
        assertThat(latency.p99Ms()).isEqualTo(99);
        assertThat(latency.maxMs()).isEqualTo(100);
        assertThat(latency.meanMs()).isEqualTo(50.5);
        assertThat(latency.panics()).isEqualTo(100);
    }

    @Test
    void sizesTooSmallForAPanicWindowOrMorePanicsThanVmsAreRefused() {
        assertThat(new BenchRun.Sizes(100, 15, 10, 1, false, 30).problem()).contains("--samples-per-vm must be at least 16");
        assertThat(new BenchRun.Sizes(100, 16, 101, 1, false, 30).problem()).contains("--panics must be between 1 and --vms (100)");
        assertThat(new BenchRun.Sizes(0, 16, 1, 1, false, 30).problem()).contains("--vms must be at least 1");
        assertThat(new BenchRun.Sizes(100, 16, 100, 1, false, 30).problem()).isNull();
    }
}
