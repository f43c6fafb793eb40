package dev.panicwatch.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The sizes of bench --history and what it refuses before it starts anything. */
class HistoryPlanTest {

    private static final Duration DAY = Duration.ofDays(1);
    private static final long PLENTY = 1L << 40;

    @Test
    void aDayEveryTenSecondsIs8640SamplesPerVm() {
        HistoryPlan plan = new HistoryPlan(1_000, Duration.ofHours(24), Duration.ofSeconds(10));

        // 86,400 s / 10 s = 8,640; x 1,000 VMs = 8,640,000 samples, 1,000 VM-days.
        assertThat(plan.samplesPerVm()).isEqualTo(8_640);
        assertThat(plan.samples()).isEqualTo(8_640_000);
        assertThat(plan.vmDays()).isEqualTo(1_000.0);
        // 8,640,000 / 5,000 samples/s = 1,728 s, under the hour allowed.
        assertThat(plan.worstCaseSeconds()).isEqualTo(1_728);
        assertThat(plan.problem(DAY, PLENTY)).isNull();
    }

    @Test
    void sixHoursOfThreeHundredVmsIsSeventyFiveVmDays() {
        HistoryPlan plan = new HistoryPlan(300, Duration.ofHours(6), Duration.ofSeconds(10));

        assertThat(plan.samples()).isEqualTo(300 * 2_160);
        assertThat(plan.vmDays()).isEqualTo(75.0);
    }

    @Test
    void aHistoryShorterThanThePanicsWindowIsRefused() {
        assertThat(new HistoryPlan(10, Duration.ofMinutes(14), Duration.ofSeconds(10)).problem(DAY, PLENTY))
                .startsWith("--history must be at least PT15M");
    }

    @Test
    void anIntervalOutsideOneSecondToOneMinuteIsRefused() {
        assertThat(new HistoryPlan(10, Duration.ofHours(1), Duration.ofMillis(500)).problem(DAY, PLENTY))
                .isEqualTo("--sample-interval must be between PT1S and PT1M, not PT0.5S");
        assertThat(new HistoryPlan(10, Duration.ofHours(1), Duration.ofMinutes(2)).problem(DAY, PLENTY))
                .isEqualTo("--sample-interval must be between PT1S and PT1M, not PT2M");
    }

    @Test
    void aHistoryThatIsNotWholeIntervalsIsRefused() {
        assertThat(new HistoryPlan(10, Duration.ofMinutes(20).plusSeconds(5), Duration.ofSeconds(10))
                .problem(DAY, PLENTY)).isEqualTo("--history PT20M5S is not a whole number of --sample-interval PT10S");
    }

    @Test
    void aHistoryBeyondTheLoadRetentionIsRefused() {
        assertThat(new HistoryPlan(10, Duration.ofHours(25), Duration.ofSeconds(10)).problem(DAY, PLENTY))
                .startsWith("--history PT25H is longer than the load retention PT24H (PANICWATCH_LOAD_RETENTION)");
    }

    @Test
    void aHistoryThatDoesNotFitOnDiskIsRefusedWithTheSizes() {
        // 100 VMs x 360 samples (1 h at 10 s) = 36,000 samples x 1 KiB = 36,000 KiB = 35 MiB (rounded down).
        HistoryPlan plan = new HistoryPlan(100, Duration.ofHours(1), Duration.ofSeconds(10));

        assertThat(plan.problem(DAY, 10L << 20)).isEqualTo("--vms 100 x --history PT1H is 36,000 samples, about 35 "
                + "MiB on disk (broker log, changelog and state); only 10 MiB are free in the temporary folder");
        assertThat(plan.problem(DAY, 36_000L * 1_024)).isNull();
    }

    @Test
    void aHistoryThatWouldTakeOverAnHourIsRefused() {
        // 5,000 VMs x 8,640 = 43,200,000 samples / 5,000 per s = 8,640 s = 144 min.
        HistoryPlan plan = new HistoryPlan(5_000, Duration.ofHours(24), Duration.ofSeconds(10));

        assertThat(plan.problem(DAY, PLENTY)).isEqualTo("--vms 5000 x --history PT24H is 43,200,000 samples: up to "
                + "144 min to load and process at 5,000 samples/s on a busy machine, over the 60 min this bench "
                + "allows; use fewer --vms or a shorter --history");
    }

    @Test
    void noVmsIsRefused() {
        assertThat(new HistoryPlan(0, Duration.ofHours(1), Duration.ofSeconds(10)).problem(DAY, PLENTY))
                .isEqualTo("--vms must be at least 1, not 0");
    }
}
