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
}
