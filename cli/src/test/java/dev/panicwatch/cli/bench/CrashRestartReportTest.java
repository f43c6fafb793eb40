package dev.panicwatch.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The crash-restart figures' arithmetic and where they appear. */
class CrashRestartReportTest {

    private static final HistoryPlan PLAN = new HistoryPlan(300, Duration.ofHours(6), Duration.ofSeconds(10));

    private static CrashRestartReport report() {
        return new CrashRestartReport(PLAN, 20_000, 30_000, 32.4, 9.0, 14.25, 17.5, 648_000, 150_000_000L,
                90_000_000L, 10_000, 2, 5.1, 6.2, Map.of());
    }

    @Test
    void bytesPerVmDayDivideByVmsTimesDaysOfHistory() {
        // 300 VMs x 6 h = 75 VM-days: 150,000,000 / 75 = 2,000,000; 90,000,000 / 75 = 1,200,000.
        assertThat(report().stateBytesPerVmDay()).isEqualTo(2_000_000.0);
        assertThat(report().changelogBytesPerVmDay()).isEqualTo(1_200_000.0);
    }

    @Test
    void theJsonLineCarriesEveryFigure() throws Exception {
        JsonNode json = new ObjectMapper().readTree(report().toJson());

        assertThat(json.get("mode").asText()).isEqualTo("history");
        assertThat(json.get("vms").asInt()).isEqualTo(300);
        assertThat(json.get("history").asText()).isEqualTo("PT6H");
        assertThat(json.get("samples").asLong()).isEqualTo(648_000);
        assertThat(json.get("vmDays").asDouble()).isEqualTo(75.0);
        assertThat(json.get("secondsToRunning").asDouble()).isEqualTo(14.25);
        assertThat(json.get("secondsToAdvice").asDouble()).isEqualTo(17.5);
        assertThat(json.get("recordsRestored").asLong()).isEqualTo(648_000);
        assertThat(json.get("stateBytesPerVmDay").asDouble()).isEqualTo(2_000_000.0);
        assertThat(json.get("changelogBytesPerVmDay").asDouble()).isEqualTo(1_200_000.0);
        assertThat(json.get("samplesPerSec").asDouble()).isEqualTo(20_000.0);
        assertThat(json.get("loadAverageStart").asDouble()).isEqualTo(5.1);
    }

    @Test
    void theTextReportIsAsciiAndNamesTheFigures() {
        String text = report().toText();

        assertThat(text).contains("300 VMs x 6h of history every 10s = 648,000 load samples (75.00 VM-days)")
                // 14.25 s printed to one decimal, half up.
                .contains("to RUNNING                  14.3 s")
                .contains("to advice                   17.5 s")
                .contains("met at this size")
                .contains("records restored         648,000")
                .contains("2,000,000 bytes per VM-day (the state folder, after a clean stop)")
                .contains("1,200,000 bytes per VM-day (*-changelog log dirs, from the log start offset on)")
                .contains("load average 5.10 at start, 6.20 at end");
        assertThat(text.chars()).allMatch(c -> c < 128);
    }

    @Test
    void restoredRecordsAreSummedOverTheRestoreLogLines() {
        String log = """
                02:17:10.001 INFO  RestoreProgressLog - restoring store recent-load-per-vm from panicwatch-recent-load-per-vm-changelog-0: 600 records (offsets 0..600)
                02:17:11.002 INFO  RestoreProgressLog - restored store recent-load-per-vm from panicwatch-recent-load-per-vm-changelog-0: 600 records in 120 ms
                02:17:11.003 INFO  RestoreProgressLog - restored store recent-load-per-vm from panicwatch-recent-load-per-vm-changelog-1: 1200 records in 180 ms
                02:17:11.004 INFO  RestoreProgressLog - restored store panic-counts from panicwatch-panic-counts-changelog-2: 0 records in 3 ms
                """;

        // 600 + 1,200 + 0; the "restoring" line announces, it does not count.
        assertThat(CrashRestartBench.recordsRestored(log)).isEqualTo(1_800);
    }
}
