package dev.panicwatch.streams.topology;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.streams.advice.LoadWindow;
import dev.panicwatch.streams.advice.OverloadThresholds;
import dev.panicwatch.streams.config.PipelineSettings;

/**
 * A VM's load as far back as it is kept (docs/design.md#load-history): raw samples for the raw window, summaries per
 * interval before that. Every reader that looks past the load window goes through here (host attribution, the
 * advice outcomes' overload share, the query side), so the seam between the two stores is drawn in one place.
 *
 * <p>The summaries of a VM are contiguous up to the end of its latest one ({@link LoadDownsampler} closes intervals
 * in order); every sample from there on is still raw. So a span is read as its summaries up to that end and the raw
 * samples after it, and no sample is counted twice or missed.
 */
public final class LoadHistory {

    /** The {@code resolution} of an answer made of raw samples. */
    public static final String RAW = "raw";

    private final ReadOnlyWindowStore<String, EncodedLoadSample> raw;
    private final ReadOnlyWindowStore<String, LoadSummary> summaries;
    private final long intervalMillis;
    private final OverloadThresholds thresholds;

    public LoadHistory(ReadOnlyWindowStore<String, EncodedLoadSample> raw,
                       ReadOnlyWindowStore<String, LoadSummary> summaries, long intervalMillis,
                       OverloadThresholds thresholds) {
        this.raw = raw;
        this.summaries = summaries;
        this.intervalMillis = intervalMillis;
        this.thresholds = thresholds;
    }

    /** The history in a task's stores (the processor must be connected to both). */
    static LoadHistory in(ProcessingContext context, PipelineSettings settings) {
        return new LoadHistory(context.getStateStore(StoreNames.RECENT_LOAD_PER_VM),
                context.getStateStore(StoreNames.LOAD_SUMMARY_PER_VM), settings.loadSummaryInterval().toMillis(),
                OverloadThresholds.from(settings));
    }

    /** Start of the summary interval that holds {@code millis}. */
    long intervalStart(long millis) {
        return Math.floorDiv(millis, intervalMillis) * intervalMillis;
    }

    /** The host of the VM's latest sample in [from, to] that names one: raw first, then the summaries; or null. */
    public String latestHost(String vm, long from, long to) {
        try (WindowStoreIterator<EncodedLoadSample> latestFirst = raw.backwardFetch(vm, instant(from), instant(to))) {
            while (latestFirst.hasNext()) {
                String host = latestFirst.next().value.sample().getHostId();
                if (host != null && !host.isBlank()) {
                    return host;
                }
            }
        }
        try (WindowStoreIterator<LoadSummary> latestFirst = summaries.backwardFetch(vm, instant(intervalStart(from)),
                instant(to))) {
            while (latestFirst.hasNext()) {
                String host = latestFirst.next().value.hostId();
                if (host != null) {
                    return host;
                }
            }
        }
        return null;
    }

    /** Time of the VM's latest raw sample, or Long.MIN_VALUE without any. */
    public long latestSampleMillis(String vm) {
        try (WindowStoreIterator<EncodedLoadSample> it = raw.backwardFetch(vm, Instant.EPOCH, instant(Long.MAX_VALUE / 2))) {
            return it.hasNext() ? it.next().key : Long.MIN_VALUE;
        }
    }

    /**
     * {samples, overloaded samples} of the VM in [from, to]. Exact when {@code from} is at or after
     * {@code rawKeptFrom} (the raw samples are all still there); otherwise the part before the raw window's first
     * interval boundary comes from the summaries that start in [from, boundary), so the far end is rounded up to the
     * summary grid, and the rest from the raw samples.
     */
    public int[] counts(String vm, long from, long to, long rawKeptFrom) {
        int[] counts = new int[2];
        long rawFrom = from;
        if (from < rawKeptFrom) {
            // Only whole intervals that end by `to`: a summary reaching past it would count samples after the span.
            long boundary = boundary(vm, to + 1 - intervalMillis, rawKeptFrom);
            if (boundary > from) {
                try (WindowStoreIterator<LoadSummary> it = summaries.fetch(vm, instant(from),
                        instant(boundary - intervalMillis))) {
                    it.forEachRemaining(kv -> {
                        counts[0] += kv.value.samples();
                        counts[1] += kv.value.overloadedSamples();
                    });
                }
                rawFrom = boundary;
            }
        }
        if (rawFrom <= to) {
            try (WindowStoreIterator<EncodedLoadSample> it = raw.fetch(vm, instant(rawFrom), instant(to))) {
                it.forEachRemaining(kv -> {
                    counts[0]++;
                    counts[1] += thresholds.crossedBy(kv.value.sample()) ? 1 : 0;
                });
            }
        }
        return counts;
    }

    /**
     * Where a span passes from the summaries to the raw samples: the first interval boundary in the raw window, or,
     * when earlier, the end of the VM's latest summary that starts by {@code lastStart} (its later samples are all
     * still raw); Long.MIN_VALUE when the VM has no summary, so everything is raw.
     */
    private long boundary(String vm, long lastStart, long rawKeptFrom) {
        long firstRawInterval = intervalStart(rawKeptFrom - 1) + intervalMillis;
        return Math.min(firstRawInterval, summarizedUntil(vm, lastStart));
    }

    /**
     * The load window [start, end] of a panic: from the raw samples when the window lies within the raw window
     * ({@code start >= rawKeptFrom}), else, for a panic reported later than the raw window lasts, from the summaries
     * of the intervals that overlap its part before the raw window (so that end widens to the summary grid) and the
     * raw samples from there on.
     */
    public LoadWindow window(String vm, Instant start, Instant end, long rawKeptFrom) {
        long from = start.toEpochMilli();
        long to = end.toEpochMilli();
        if (from >= rawKeptFrom) {
            return LoadWindow.of(start, end, samples(vm, from, to));
        }
        // Every interval that overlaps the window, also the one reaching past its end: its samples are not raw either.
        long boundary = boundary(vm, to, rawKeptFrom);
        List<LoadSummary> summarized = new ArrayList<>();
        if (boundary > intervalStart(from)) {
            try (WindowStoreIterator<LoadSummary> it = summaries.fetch(vm, instant(intervalStart(from)),
                    instant(boundary - intervalMillis))) {
                it.forEachRemaining(kv -> summarized.add(kv.value));
            }
        }
        List<HostLoadSample> after = samples(vm, Math.max(from, boundary), to);
        LoadWindow tail = LoadWindow.of(start, end, after);
        if (summarized.isEmpty()) {
            return tail;
        }
        LoadSummaryBuilder peaks = new LoadSummaryBuilder(intervalStart(from), to + 1);
        summarized.forEach(peaks::add);
        after.forEach(s -> peaks.add(s, thresholds));
        LoadSummary all = peaks.build();
        HostLoadSample latest = tail.latest() != null ? tail.latest() : figuresOf(vm, all);
        return LoadWindow.ofPeaks(start, end, all.samples(), opt(all.peakLoadPerCpu()), opt(all.worstVcpuWait()),
                opt(all.peakCpuPressure()), latest);
    }

    /** The VM's figures in a summary's latest sample, as a sample: what the host-side advice names. */
    private HostLoadSample figuresOf(String vm, LoadSummary l) {
        double load1 = l.peakLoadPerCpu() == null ? 0 : l.peakLoadPerCpu() * l.hostCpus();
        return HostLoadSample.newBuilder().setVmId(vm).setHostId(l.hostId() == null ? "" : l.hostId())
                .setSampleTime(Instant.ofEpochMilli(l.latestSampleMillis())).setIntervalMillis(intervalMillis)
                .setHostCpus(l.hostCpus()).setVmVcpus(l.vmVcpus()).setCpuunits(l.cpuunits())
                .setLoad1(load1).setLoad5(load1).setLoad15(load1).build();
    }

    private static OptionalDouble opt(Double v) {
        return v == null ? OptionalDouble.empty() : OptionalDouble.of(v);
    }

    /** The VM's raw samples in [from, to], oldest first. */
    public List<HostLoadSample> samples(String vm, long from, long to) {
        List<HostLoadSample> samples = new ArrayList<>();
        try (WindowStoreIterator<EncodedLoadSample> it = raw.fetch(vm, instant(from), instant(to))) {
            it.forEachRemaining(kv -> samples.add(kv.value.sample()));
        }
        return samples;
    }

    /**
     * The VM's load per summary interval, for the intervals that overlap [from, to], oldest first: the stored
     * summaries, then the intervals not yet summarized, reduced from the raw samples the same way.
     */
    public List<LoadSummary> summaries(String vm, long from, long to) {
        List<LoadSummary> series = new ArrayList<>();
        long first = intervalStart(from);
        long summarizedUntil = summarizedUntil(vm, to);
        if (summarizedUntil > first) {
            try (WindowStoreIterator<LoadSummary> it = summaries.fetch(vm, instant(first),
                    instant(Math.min(to, summarizedUntil - 1)))) {
                it.forEachRemaining(kv -> series.add(kv.value));
            }
        }
        long rawFrom = Math.max(first, summarizedUntil);
        if (rawFrom <= to) {
            LoadSummaryBuilder open = null;
            for (HostLoadSample s : samples(vm, rawFrom, to)) { // oldest first: intervals come one after another
                long start = intervalStart(s.getSampleTime().toEpochMilli());
                if (open == null || open.startMillis != start) {
                    if (open != null) {
                        series.add(open.build());
                    }
                    open = new LoadSummaryBuilder(start, start + intervalMillis);
                }
                open.add(s, thresholds);
            }
            if (open != null) {
                series.add(open.build());
            }
        }
        return series;
    }

    /** Whether the stores hold anything of the VM at all. */
    public boolean knows(String vm) {
        try (WindowStoreIterator<EncodedLoadSample> it = raw.fetch(vm, Instant.EPOCH, instant(Long.MAX_VALUE / 2))) {
            if (it.hasNext()) {
                return true;
            }
        }
        try (WindowStoreIterator<LoadSummary> it = summaries.fetch(vm, Instant.EPOCH, instant(Long.MAX_VALUE / 2))) {
            return it.hasNext();
        }
    }

    /** End of the VM's latest summary that starts at or before {@code startedBy}; Long.MIN_VALUE without one. */
    long summarizedUntil(String vm, long startedBy) {
        if (startedBy < 0) {
            return Long.MIN_VALUE;
        }
        try (WindowStoreIterator<LoadSummary> latestFirst = summaries.backwardFetch(vm, Instant.EPOCH,
                instant(startedBy))) {
            if (latestFirst.hasNext()) {
                KeyValue<Long, LoadSummary> latest = latestFirst.next();
                return latest.value.endMillis();
            }
        }
        return Long.MIN_VALUE;
    }

    private static Instant instant(long millis) {
        return Instant.ofEpochMilli(Math.max(0, millis));
    }
}
