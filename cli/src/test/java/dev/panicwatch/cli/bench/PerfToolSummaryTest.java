package dev.panicwatch.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;

/** The summary lines below were printed by kafka-tools 4.4.0 against the local broker on this machine. */
class PerfToolSummaryTest {

    @Test
    void readsTheProducersFinalLineAmongWarningsAndInterimLines() {
        List<String> output = List.of(
                "Option --producer-props has been deprecated and will be removed in a future version. Use --command-property instead.",
                // interim window line (ProducerPerformance prints one every 5 s): no percentiles, so not the summary
                "117321 records sent, 23464.2 records/sec (3.36 MB/sec), 812.4 ms avg latency, 1301.0 ms max latency.",
                "200000 records sent, 42453.831458 records/sec (6.07 MB/sec), 265.69 ms avg latency, 1124.00 ms max "
                        + "latency, 276 ms 50th, 438 ms 95th, 476 ms 99th, 489 ms 99.9th.");

        PerfToolSummary.Producer p = PerfToolSummary.producer(output);

        // Figures read off the last line by eye.
        assertThat(p.records()).isEqualTo(200_000);
        assertThat(p.recordsPerSec()).isEqualTo(42453.831458);
        assertThat(p.mbPerSec()).isEqualTo(6.07);
        assertThat(p.avgLatencyMs()).isEqualTo(265.69);
        assertThat(p.maxLatencyMs()).isEqualTo(1124.0);
        assertThat(p.p50LatencyMs()).isEqualTo(276);
        assertThat(p.p99LatencyMs()).isEqualTo(476);
    }

    @Test
    void producerOutputWithoutASummaryIsAnErrorQuotingTheLastLines() {
        List<String> output = List.of("Exception in thread \"main\" org.apache.kafka.common.errors.TimeoutException: "
                + "Topic bench-baseline not present in metadata after 60000 ms.");

        assertThatThrownBy(() -> PerfToolSummary.producer(output))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no summary line")
                .hasMessageContaining("not present in metadata");
    }

    @Test
    void readsTheConsumersDataLineByColumnName() {
        List<String> output = List.of(
                "Warning: --messages is deprecated. Use --num-records instead.",
                "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
                        + "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
                "2026-11-26 01:41:58:293, 2026-11-26 01:42:03:122, 28.6102, 5.9247, 200000, 41416.4423, 2565, 2264, "
                        + "12.6370, 88339.2226");

        PerfToolSummary.Consumer c = PerfToolSummary.consumer(output);

        // Columns 5, 4, 6, 7, 8 and 10 of the data line.
        assertThat(c.records()).isEqualTo(200_000);
        assertThat(c.mbPerSec()).isEqualTo(5.9247);
        assertThat(c.recordsPerSec()).isEqualTo(41416.4423);
        assertThat(c.rebalanceMs()).isEqualTo(2565);
        assertThat(c.fetchMs()).isEqualTo(2264);
        assertThat(c.fetchRecordsPerSec()).isEqualTo(88339.2226);
    }

    @Test
    void consumerHeaderWithoutItsDataLineIsAnError() {
        List<String> output = List.of("start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, "
                + "nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec");

        assertThatThrownBy(() -> PerfToolSummary.consumer(output))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no summary");
    }

    @Test
    void consumerDataLineWithAWrongColumnCountIsAnError() {
        List<String> output = List.of(
                "start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, "
                        + "fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec",
                "2026-11-26 01:41:58:293, 2026-11-26 01:42:03:122, 28.6102, 5.9247, 200000");

        assertThatThrownBy(() -> PerfToolSummary.consumer(output))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("5 columns, its header 10");
    }
}
