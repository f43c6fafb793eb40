package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * {@code bench --quick --json} end to end: its own stack, the perf tools and the streams process as child JVMs.
 * Not {@code @IntegrationTest}: the shared test stack would only sit beside the one bench starts. Sane figures are
 * asserted, not fast ones; speed is the benchmark's output, not a test's verdict.
 */
@Tag("integration")
class BenchCommandIT {

    @Test
    void quickRunEndsWithAJsonSummaryOfSaneFigures() throws Exception {
        CliRun run = CliRun.of("bench", "--quick", "--vms", "300", "--panics", "10", "--guest-state-every", "7",
                "--json").echo();

        assertThat(run.exitCode()).isZero();
        List<String> lines = run.out().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertThat(summary.fieldNames()).toIterable().contains("samplesPerSec", "baselineProducerPerSec", "ratio",
                "p50Ms", "p99Ms", "maxMs", "rssMb", "baselineConsumerPerSec", "vms", "samples", "parserMBPerSec",
                "hostSamplerMsPerRound");
        // 300 VMs x 20 samples (--quick's samples per VM).
        assertThat(summary.get("vms").asInt()).isEqualTo(300);
        assertThat(summary.get("samples").asLong()).isEqualTo(6_000);
        assertThat(summary.get("samplesPerSec").asDouble()).isPositive();
        assertThat(summary.get("baselineProducerPerSec").asDouble()).isPositive();
        assertThat(summary.get("baselineConsumerPerSec").asDouble()).isPositive();
        assertThat(summary.get("ratio").asDouble()).isPositive();
        double p50 = summary.get("p50Ms").asDouble();
        double p99 = summary.get("p99Ms").asDouble();
        double max = summary.get("maxMs").asDouble();
        assertThat(p50).isPositive().isLessThanOrEqualTo(p99);
        assertThat(p99).isLessThanOrEqualTo(max);
        // A JVM with Kafka Streams and RocksDB loaded takes well over 50 MiB; -Xmx1g bounds the heap part.
        assertThat(summary.get("rssMb").asDouble()).isBetween(50.0, 4096.0);
        assertThat(summary.get("parserMBPerSec").asDouble()).isPositive();
        assertThat(summary.get("hostSamplerMsPerRound").asDouble()).isPositive();
        // Guest states: 300 VMs x rounds 0, 7 and 14 of 20 = 900; each of the 10 panics' boot-args = 10; panics 0,
        // 2, 4, 6, 8 (every other, the first included) apply their advice and report it = 5. 915 in all. (7, not 10:
        // the panics are at round 10, 90 s before the last of 20, and an agent's report at the very time of a VM's
        // own panic report would leave which of the two is its latest to the tie.)
        assertThat(summary.get("guestStateEvery").asInt()).isEqualTo(7);
        assertThat(summary.get("guestStates").asLong()).isEqualTo(915);
        // Each applied advice is an APPLIED transition: the tracker read the agent's boot-args with the advised vti.
        assertThat(summary.get("appliedOutcomes").asLong()).isEqualTo(5);
        // Panics at VMs 0, 30, ..., 270 (stride 300 / 10): 6 hosts of 50, each overloaded, each with a panic whose
        // RAISE_VTI advice warns its 49 peers (all report vti 6, below the advice). A second panic on a host (VMs
        // 30, 90, 180, 240) warns none more: its peers were warned within the cooldown and the first panicked VM's
        // latest observation is its own report. 6 x 49 = 294.
        assertThat(summary.get("preventiveRemediations").asLong()).isEqualTo(294);
    }

    /**
     * {@code bench --history} end to end at a size that takes about 40 s here (issue 16): 5 VMs x 1 h every 10 s,
     * SIGKILL, restart, a panic advised after it. The restore must have counted records and both byte figures
     * must be there; their size is the output, not the verdict.
     */
    @Test
    void historyRunKillsRestartsAndReportsTheAdviceAfterTheRestart() throws Exception {
        CliRun run = CliRun.of("bench", "--history", "PT1H", "--vms", "5", "--json").echo();

        assertThat(run.exitCode()).isZero();
        List<String> lines = run.out().lines().toList();
        JsonNode summary = new ObjectMapper().readTree(lines.get(lines.size() - 1));
        assertThat(summary.get("mode").asText()).isEqualTo("history");
        // 5 VMs x 360 samples (3,600 s / 10 s) = 1,800 samples; 5 x 1/24 day = 0.208 VM-days.
        assertThat(summary.get("samples").asLong()).isEqualTo(1_800);
        assertThat(summary.get("vmDays").asDouble()).isEqualTo(0.208);
        double toRunning = summary.get("secondsToRunning").asDouble();
        double toAdvice = summary.get("secondsToAdvice").asDouble();
        // Both timed from the restart. No order between them: with the state updater a stream thread processes a
        // restored task while the client is still PARTITIONS_ASSIGNED, so the advice can come before "-> RUNNING"
        // (CI saw 10.03 s to advice, 10.43 s to RUNNING).
        assertThat(toRunning).isPositive();
        assertThat(toAdvice).isPositive();
        assertThat(summary.get("recordsRestored").asLong()).isPositive();
        assertThat(summary.get("stateBytes").asLong()).isPositive();
        assertThat(summary.get("changelogBytes").asLong()).isPositive();
        assertThat(summary.get("changelogBytesPerVmDay").asDouble()).isPositive();
        assertThat(summary.get("samplesPerSec").asDouble()).isPositive();
        assertThat(run.out()).contains("after SIGKILL and restart:").contains("to advice");
    }
}
