package dev.panicwatch.streams.topology;

import static dev.panicwatch.streams.topology.Scenario.TLB_FLUSH;
import static dev.panicwatch.streams.topology.Scenario.XNU_10_15;
import static dev.panicwatch.streams.topology.Scenario.load;
import static dev.panicwatch.streams.topology.Scenario.panic;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.panicwatch.streams.advice.OverloadThresholds;
import dev.panicwatch.streams.config.PipelineSettings;

/**
 * docs/design.md#load-history with the real topology and the defaults (raw window 30 min, 5-minute summaries, grace
 * 2 min): which summaries are written when, what they hold, and how {@link LoadHistory} reads a span across the seam.
 * Every expected figure is counted by hand from the samples below.
 */
class LoadHistoryTopologyTest {

    private static final String VM = "pve1/101";
    private static final String HOST = "pve1";
    /** 10:00:00, on the 5-minute grid. */
    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");

    private final PipelineSettings settings = PipelineSettings.defaults();
    private TopologyHarness pipe;

    @BeforeEach
    void setUp() throws Exception {
        pipe = new TopologyHarness(settings, T);
    }

    @AfterEach
    void tearDown() throws Exception {
        pipe.close();
    }

    /**
     * 120 samples of VM every 10 s from 10:00:00 to 10:19:50: the first 60 (to 10:09:50) at load1 40 on 32 CPUs
     * (1.25 per CPU: overloaded), the next 60 at load1 16 (0.5: not).
     */
    private void twentyMinutes() {
        for (int i = 0; i < 120; i++) {
            pipe.load(load(VM, HOST, T.plusSeconds(10L * i), 32, i < 60 ? 40.0 : 16.0, null, null));
        }
    }

    /** pve2/7, in the same (only) partition, reports every 5 minutes from {@code from} to {@code to}. */
    private void anotherVmEveryFiveMinutes(Instant from, Instant to) {
        for (Instant t = from; !t.isAfter(to); t = t.plus(Duration.ofMinutes(5))) {
            pipe.load(load("pve2/7", "pve2", t, 16, 4.0, null, null));
        }
    }

    private List<LoadSummary> stored(String vm) {
        WindowStore<String, LoadSummary> store = pipe.driver.getWindowStore(StoreNames.LOAD_SUMMARY_PER_VM);
        List<LoadSummary> all = new ArrayList<>();
        try (WindowStoreIterator<LoadSummary> it = store.fetch(vm, Instant.EPOCH, T.plus(Duration.ofDays(2)))) {
            it.forEachRemaining(kv -> all.add(kv.value));
        }
        return all;
    }

    private LoadHistory history() {
        return new LoadHistory(pipe.driver.getWindowStore(StoreNames.RECENT_LOAD_PER_VM),
                pipe.driver.getWindowStore(StoreNames.LOAD_SUMMARY_PER_VM),
                settings.loadSummaryInterval().toMillis(), OverloadThresholds.from(settings));
    }

    private static long at(String hhmmss) {
        return Instant.parse("2026-11-20T" + hhmmss + "Z").toEpochMilli();
    }

    @Test
    void anIntervalIsSummarizedOnceASampleAGracePastItsEndIsRead() {
        twentyMinutes();
        // The last sample, 10:19:50, minus grace is 10:17:50: the intervals ending by 10:15 are closed, 10:15 is not.
        List<LoadSummary> summaries = stored(VM);
        assertThat(summaries).extracting(LoadSummary::startMillis)
                .containsExactly(at("10:00:00"), at("10:05:00"), at("10:10:00"));
        assertThat(summaries).extracting(LoadSummary::samples).containsExactly(30, 30, 30);
        assertThat(summaries).extracting(LoadSummary::overloadedSamples).containsExactly(30, 30, 0);
        assertThat(summaries).extracting(LoadSummary::peakLoadPerCpu).containsExactly(1.25, 1.25, 0.5);
        assertThat(summaries).extracting(LoadSummary::hostId).containsOnly(HOST);
        assertThat(summaries.get(0).latestSampleMillis()).isEqualTo(at("10:04:50"));
        assertThat(summaries.get(0).worstVcpuWait()).isNull();
    }

    @Test
    void aSpanIsReadAsSummariesUpToTheirEndAndRawSamplesAfterIt() {
        twentyMinutes();
        LoadHistory history = history();
        // Raw samples still go back to 09:49:50, so a span from 10:00 is counted from them alone: exact.
        assertThat(history.counts(VM, at("10:00:00"), at("10:19:50"), at("09:49:50"))).containsExactly(120, 60);
        // Told the raw samples are kept only from 10:16, the same span takes 10:00-10:15 from the summaries (90
        // samples, 60 overloaded) and 10:15:00-10:19:50 raw (30, none): the same totals, nothing counted twice.
        assertThat(history.counts(VM, at("09:00:00"), at("10:19:50"), at("10:16:00"))).containsExactly(120, 60);
        // A span ending inside an interval takes only the summaries that end by then (10:00 and 10:05: 60 samples,
        // all overloaded) and the raw samples 10:10:00..10:12:00 (13, none): 73.
        assertThat(history.counts(VM, at("09:00:00"), at("10:12:00"), at("10:16:00"))).containsExactly(73, 60);
        // The load view: the three stored summaries and the open 10:15 interval reduced from the raw samples.
        assertThat(history.summaries(VM, at("10:02:00"), at("10:19:50"))).extracting(LoadSummary::startMillis)
                .containsExactly(at("10:00:00"), at("10:05:00"), at("10:10:00"), at("10:15:00"));
        assertThat(history.summaries(VM, at("10:02:00"), at("10:19:50"))).extracting(LoadSummary::samples)
                .containsExactly(30, 30, 30, 30);
    }

    @Test
    void aQuietVmIsSummarizedWhenTheRestOfThePartitionMovesOnAndItsHostOutlivesTheRawWindow() {
        twentyMinutes();
        // Another VM reports every 5 minutes until 12:00; VM sends nothing more. Its 10:15 interval is closed once
        // another sample is a grace past 10:20, before the raw window moves past VM's samples.
        anotherVmEveryFiveMinutes(T.plus(Duration.ofMinutes(20)), T.plus(Duration.ofHours(2)));
        assertThat(stored(VM)).extracting(LoadSummary::samples).containsExactly(30, 30, 30, 30);
        LoadHistory history = history();
        assertThat(history.samples(VM, at("10:00:00"), at("12:00:00"))).isEmpty();
        // The whole span now comes from the summaries: all 120 samples, the 60 overloaded ones among them.
        assertThat(history.counts(VM, at("09:00:00"), at("12:00:00"), at("11:30:00"))).containsExactly(120, 60);

        // A panic report that names no host, at 11:50: the raw samples are gone, the summaries still name pve1.
        pipe.panic(panic(VM, null, T.plus(Duration.ofMinutes(110)), TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        WindowStore<String, Long> perHost = pipe.driver.getWindowStore(StoreNames.PANIC_COUNTS_PER_HOST);
        try (WindowStoreIterator<Long> it = perHost.fetch(HOST, T, T.plus(Duration.ofHours(3)))) {
            assertThat(it.hasNext()).isTrue();
            assertThat(it.next().value).isEqualTo(1L);
        }
    }

    @Test
    void aPanicReportedAfterItsSamplesLeftTheRawWindowIsDecidedOnTheSummaries() {
        twentyMinutes();
        anotherVmEveryFiveMinutes(T.plus(Duration.ofMinutes(20)), T.plus(Duration.ofHours(2)));
        // The guest was down until 12:00 and posts its panic of 10:05 only now: the window [09:55, 10:06] is 2 h
        // behind the partition, its raw samples are gone.
        pipe.panic(panic(VM, HOST, T.plus(Duration.ofMinutes(5)), TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(T.plus(Duration.ofHours(3)));

        List<dev.panicwatch.schemas.RemediationEvent> advice = pipe.remediations();
        assertThat(advice).hasSize(1);
        var evidence = advice.get(0).getEvidence();
        // The summaries that overlap the window, 10:00-10:05 and 10:05-10:10 (the grid widens it): 60 samples,
        // peak load 40 / 32 = 1.25 per CPU, so R = 1.25, step 1 + ceil(log2 1.25) = 2, vti 6 -> 8.
        assertThat(evidence.getSamples()).isEqualTo(60);
        assertThat(evidence.getOverloaded()).isTrue();
        assertThat(evidence.getPeakLoadPerCpu()).isEqualTo(1.25);
        assertThat(advice.get(0).getSuggestedVti()).isEqualTo(8);
    }

    @Test
    void aSampleOfALaggingCollectorIsReadableAtOnceThoughItIsOlderThanTheRawWindow() {
        // VM reports 10:00-10:04; another VM of the partition goes on to 10:40, which closes VM's 10:00 interval.
        for (int i = 0; i < 30; i++) {
            pipe.load(load(VM, HOST, T.plusSeconds(10L * i), 32, 40.0, null, null));
        }
        anotherVmEveryFiveMinutes(T.plus(Duration.ofMinutes(5)), T.plus(Duration.ofMinutes(40)));
        // Then VM's collector catches up with a sample of 10:08, 32 minutes behind: past the raw window, in an
        // interval VM has no summary of yet. It is in the store at once, not held back until a later sample.
        pipe.load(load(VM, HOST, Instant.parse("2026-11-20T10:08:00Z"), 32, 40.0, null, null));
        assertThat(history().summaries(VM, at("10:00:00"), at("10:40:00"))).extracting(LoadSummary::samples)
                .containsExactly(30, 1);
        assertThat(history().counts(VM, at("09:00:00"), at("10:40:00"), at("10:10:00"))).containsExactly(31, 31);
    }

    @Test
    void aLateSampleIsAddedToItsSummaryAndOneOlderThanTheRawWindowGoesToTheSummaryOnly() {
        twentyMinutes();
        // 10:07:05 arrives after 10:05-10:10 was summarized: that interval is summarized again, now 31 samples.
        pipe.load(load(VM, HOST, Instant.parse("2026-11-20T10:07:05Z"), 32, 64.0, null, null));
        assertThat(stored(VM)).extracting(LoadSummary::samples).containsExactly(30, 31, 30);
        assertThat(stored(VM).get(1).peakLoadPerCpu()).isEqualTo(2.0);

        // 09:40:00 is 39:50 behind the newest sample: older than the 30-minute raw window. It is not lost: its
        // 09:40 interval gets a summary of its own, and the raw store does not hold it.
        pipe.load(load(VM, HOST, Instant.parse("2026-11-20T09:40:00Z"), 32, 48.0, null, null));
        assertThat(stored(VM)).extracting(LoadSummary::startMillis)
                .containsExactly(at("09:40:00"), at("10:00:00"), at("10:05:00"), at("10:10:00"));
        assertThat(stored(VM).get(0).samples()).isEqualTo(1);
        assertThat(stored(VM).get(0).overloadedSamples()).isEqualTo(1);
        assertThat(history().samples(VM, at("09:39:00"), at("09:41:00"))).isEmpty();
    }
}
