package dev.panicwatch.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

class ParserThroughputTest {

    @Test
    void the_benchmark_reads_the_whole_diagnosis_corpus() {
        // diagnosis/src/test/resources/corpus/panics holds 31 public reports; the first by name is 01-tlb-invalidation-….
        var corpus = ParserThroughput.corpus();

        assertThat(corpus.size()).isEqualTo(31);
        assertThat(new String(corpus.get(0), StandardCharsets.UTF_8)).contains("TLB invalidation IPI timeout");
    }

    @Test
    void a_measurement_covers_every_file_once_per_pass() {
        ParserThroughput.Result result = ParserThroughput.measure(Duration.ZERO, Duration.ofMillis(50));

        assertThat(result.files()).isEqualTo(31);
        assertThat(result.corpusBytes()).isEqualTo(ParserThroughput.corpus().stream().mapToLong(b -> b.length).sum());
        assertThat(result.mbPerSec()).isPositive();
    }
}
