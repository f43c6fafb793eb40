package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What bench refuses before it starts anything (the end-to-end run is BenchCommandIT). */
class BenchCommandTest {

    @Test
    void anAppSettingThatWouldNotReachTheStreamsProcessIsRefused() {
        CliRun run = CliRun.of("bench", "--quick", "--app-env", "JAVA_TOOL_OPTIONS=-Xmx64m");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--app-env JAVA_TOOL_OPTIONS: only KAFKA_* and PANICWATCH_* settings reach the "
                + "streams process");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void anAppSettingTheReportDependsOnMustParse() {
        CliRun run = CliRun.of("bench", "--quick", "--app-env", "KAFKA_COMMIT_INTERVAL_MS=soon");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--app-env KAFKA_COMMIT_INTERVAL_MS: 'soon' is not a number of milliseconds");
    }

    @Test
    void sizesThatLeaveAPanicWindowWithoutSamplesAreRefused() {
        CliRun run = CliRun.of("bench", "--samples-per-vm", "15");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--samples-per-vm must be at least 16");
    }

    @Test
    void aHistoryTooShortForThePanicsWindowIsRefusedBeforeAnythingStarts() {
        CliRun run = CliRun.of("bench", "--history", "PT10M", "--vms", "5");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--history must be at least PT15M");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void theOtherModesSizesAreRefusedWithHistory() {
        CliRun run = CliRun.of("bench", "--history", "PT1H", "--samples-per-vm", "90");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--samples-per-vm does not apply to --history");
    }

    @Test
    void aNegativeGuestStateRateIsRefused() {
        CliRun run = CliRun.of("bench", "--quick", "--guest-state-every", "-5");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--guest-state-every must be 0 (no guest states) or a number of samples, not -5");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void aGuestStateRateIsRefusedWithHistory() {
        CliRun run = CliRun.of("bench", "--history", "PT1H", "--guest-state-every", "10");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--guest-state-every does not apply to --history");
    }

    @Test
    void aSampleIntervalWithoutHistoryIsRefused() {
        CliRun run = CliRun.of("bench", "--sample-interval", "PT5S");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--sample-interval applies to --history only");
    }

    @Test
    void aHistoryThatIsNotADurationIsRefused() {
        CliRun run = CliRun.of("bench", "--history", "24h");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--history");
    }
}
