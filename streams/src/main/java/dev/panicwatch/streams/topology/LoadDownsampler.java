package dev.panicwatch.streams.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.streams.advice.OverloadThresholds;
import dev.panicwatch.streams.config.PipelineSettings;

/**
 * Keeps one partition's raw load samples and turns them into {@link LoadSummary summaries} once an interval is
 * closed (docs/design.md#load-history): when a sample of the VM at or after the interval's end plus grace is read
 * (its collector sends in order, as the correlator relies on too), or, for a VM gone quiet, when a sample of any VM
 * moves the partition past that point. The quiet VMs are closed before that sample is stored, because storing it
 * moves the raw store's time and may expire what they still need. A summary is written once per VM and interval,
 * from the raw samples, so the summary store's changelog grows with intervals, not with samples, and nothing held
 * only in memory is lost on a crash: after a restart each VM resumes from the end of its latest stored summary.
 */
final class LoadDownsampler {

    private static final Logger LOG = LoggerFactory.getLogger(LoadDownsampler.class);

    private final long intervalMillis;
    private final long graceMillis;
    private final long rawRetentionMillis;
    private final OverloadThresholds thresholds;
    /** Per VM read since this task started: {end of its latest summary, time of its latest sample}. */
    private final Map<String, long[]> progress = new HashMap<>();
    private WindowStore<String, EncodedLoadSample> raw;
    private WindowStore<String, LoadSummary> summaries;
    private LoadHistory history;
    private ProcessorContext<?, ?> context;
    /** The interval end up to which quiet VMs were last closed. */
    private long quietClosedUntil;
    /** The newest sample time stored since init: the raw store keeps what is within its retention of it. */
    private long newestSample;
    private long tooLate;
    private long tooLateLoggedAt = Long.MIN_VALUE;

    LoadDownsampler(PipelineSettings settings) {
        this.intervalMillis = settings.loadSummaryInterval().toMillis();
        this.graceMillis = settings.grace().toMillis();
        this.rawRetentionMillis = settings.rawLoadRetention().toMillis();
        this.thresholds = OverloadThresholds.from(settings);
    }

    /** Called from the owning processor's init, once the task's stores are restored. */
    void init(ProcessorContext<?, ?> context, WindowStore<String, EncodedLoadSample> raw, LoadHistory history) {
        this.context = context;
        this.raw = raw;
        this.summaries = context.getStateStore(StoreNames.LOAD_SUMMARY_PER_VM);
        this.history = history;
        // A task revived after an error gets init again: what it knew before may be ahead of the restored stores.
        progress.clear();
        quietClosedUntil = Long.MIN_VALUE;
        newestSample = Long.MIN_VALUE;
    }

    /** Stores a sample of {@code vm} and writes the summaries it closes. */
    void store(String vm, EncodedLoadSample sample) {
        long at = sample.sample().getSampleTime().toEpochMilli();
        long closed = history.intervalStart(at - graceMillis);
        if (closed > quietClosedUntil) {
            closeQuiet(closed);
            quietClosedUntil = closed;
        }
        if (newestSample != Long.MIN_VALUE && at <= newestSample - rawRetentionMillis) {
            keepSummarizedOnly(vm, sample.sample(), at);
            return;
        }
        newestSample = Math.max(newestSample, at);
        raw.put(vm, sample, at);
        long[] p = progress.computeIfAbsent(vm, this::resume);
        long interval = history.intervalStart(at);
        if (at < p[0] && interval > context.currentStreamTimeMs() - rawRetentionMillis) {
            // Late for an interval already summarized, whose raw samples are all still kept: summarized again.
            summarize(vm, interval, interval + intervalMillis);
        }
        p[1] = Math.max(p[1], at);
        if (closed > p[0]) {
            summarize(vm, p[0], closed);
            p[0] = closed;
        }
    }

    /**
     * A sample older than the raw window (its collector lagged behind the partition's others by more than
     * raw.load.retention): the raw store would drop it, so it goes into its interval's summary directly. A panic of
     * that time is decided without it; the warning says so and how to keep such samples raw.
     */
    private void keepSummarizedOnly(String vm, HostLoadSample sample, long at) {
        long start = history.intervalStart(at);
        LoadSummary kept;
        try (WindowStoreIterator<LoadSummary> it = summaries.fetch(vm, Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(start))) {
            kept = it.hasNext() ? it.next().value : null;
        }
        LoadSummary summary = kept == null
                ? LoadSummary.of(start, start + intervalMillis, List.of(sample), thresholds)
                : kept.plus(sample, thresholds);
        summaries.put(vm, summary, start);
        tooLate++;
        long now = context.currentSystemTimeMs();
        if (now - tooLateLoggedAt >= 60_000) {
            LOG.warn("task {}: {} load sample(s) arrived older than the raw window (latest: VM {} at {}, {} behind the "
                            + "newest sample of its partition; raw.load.retention={}): kept in the {} summaries only, so a "
                            + "panic of that time is decided without them. Raise PANICWATCH_RAW_LOAD_RETENTION if collectors "
                            + "lag this much", context.taskId(), tooLate, vm, Instant.ofEpochMilli(at),
                    Duration.ofMillis(newestSample - at), Duration.ofMillis(rawRetentionMillis),
                    Duration.ofMillis(intervalMillis));
            tooLateLoggedAt = now;
            tooLate = 0;
        }
    }

    /**
     * From when the raw store still holds every sample: its retention back from the newest sample stored (or, before
     * this task stored one, from its stream time, which is at least that).
     */
    long rawKeptFrom() {
        long newest = newestSample != Long.MIN_VALUE ? newestSample : context.currentStreamTimeMs();
        return newest - rawRetentionMillis + 1;
    }

    private long[] resume(String vm) {
        long until = history.summarizedUntil(vm, Long.MAX_VALUE / 2);
        return new long[] {until, Long.MIN_VALUE};
    }

    /** Closes the intervals, up to {@code closed}, of VMs that have sent nothing since. */
    private void closeQuiet(long closed) {
        progress.forEach((vm, p) -> {
            if (p[1] >= p[0] && history.intervalStart(p[1]) + intervalMillis <= closed) {
                summarize(vm, p[0], closed);
                p[0] = closed;
            }
        });
    }

    /** Writes a summary for every interval in [from, until) that holds raw samples of the VM. */
    private void summarize(String vm, long from, long until) {
        Map<Long, List<HostLoadSample>> byInterval = new TreeMap<>();
        try (WindowStoreIterator<EncodedLoadSample> it = raw.fetch(vm, Instant.ofEpochMilli(Math.max(0, from)),
                Instant.ofEpochMilli(until - 1))) {
            it.forEachRemaining(kv -> byInterval.computeIfAbsent(history.intervalStart(kv.key),
                    k -> new ArrayList<>()).add(kv.value.sample()));
        }
        byInterval.forEach((start, samples) -> summaries.put(vm,
                LoadSummary.of(start, start + intervalMillis, samples, thresholds), start));
    }
}
