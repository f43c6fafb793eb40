package dev.panicwatch.streams.topology;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.streams.advice.OverloadThresholds;
import dev.panicwatch.streams.config.PipelineSettings;

/**
 * Keeps one partition's raw load samples and turns them into {@link LoadSummary summaries} (docs/design.md#load-history).
 * Each sample is added to its VM's open interval in memory as it is stored; an interval is written once it is
 * closed: when a sample of the VM at or after its end plus grace is read (its collector sends in order, as the
 * correlator relies on too), or, for a VM gone quiet, when a sample of any VM moves the partition past that point.
 * So the summary store's changelog grows with intervals, not with samples, and no sample is decoded twice. What is
 * only in memory is also in the raw store: after a restart (or a task revived after an error) each VM's open
 * intervals are read back from its raw samples after the end of its latest stored summary, at its first sample.
 */
final class LoadDownsampler {

    private static final Logger LOG = LoggerFactory.getLogger(LoadDownsampler.class);

    /**
     * One VM's progress since this task started. Read for every sample of the fleet in turn, so it is kept small
     * and flat: the interval samples are coming in for, and any older one still open (within grace of its end).
     */
    private static final class VmLoad {
        /** End of the VM's latest written summary; every interval before it is written. */
        long summarizedUntil;
        /** Time of its latest sample. */
        long latestSample = Long.MIN_VALUE;
        /** The newest open interval; null when none is. */
        LoadSummaryBuilder current;
        /** Older open intervals, oldest first; null (the common case) when there are none. */
        ArrayDeque<LoadSummaryBuilder> older;

        /** The open interval that starts at {@code start}, opened when it is the newest; null when older. */
        LoadSummaryBuilder intervalAt(long start, long intervalMillis) {
            if (current != null && current.startMillis == start) {
                return current;
            }
            if (current == null || start > current.startMillis) {
                if (current != null) {
                    if (older == null) {
                        older = new ArrayDeque<>(2);
                    }
                    older.addLast(current);
                }
                current = new LoadSummaryBuilder(start, start + intervalMillis);
                return current;
            }
            return openAt(start);
        }

        /** The open interval that starts at {@code start}, or null; opens none. */
        LoadSummaryBuilder openAt(long start) {
            if (current != null && current.startMillis == start) {
                return current;
            }
            if (older != null) {
                for (LoadSummaryBuilder b : older) {
                    if (b.startMillis == start) {
                        return b;
                    }
                }
            }
            return null;
        }

        boolean hasOpen() {
            return current != null;
        }
    }

    private final long intervalMillis;
    private final long graceMillis;
    private final long rawRetentionMillis;
    private final OverloadThresholds thresholds;
    private final Map<String, VmLoad> vms = new HashMap<>();
    private WindowStore<String, EncodedLoadSample> raw;
    private WindowStore<String, LoadSummary> summaries;
    private LoadHistory history;
    private ProcessorContext<?, ?> context;
    /** The interval end up to which quiet VMs were last closed. */
    private long quietClosedUntil;
    /** Whether the task started with no load at all (a new deployment, a new task): no VM has anything to resume. */
    private boolean startedEmpty;
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
        vms.clear();
        quietClosedUntil = Long.MIN_VALUE;
        newestSample = Long.MIN_VALUE;
        try (var anyRaw = raw.all(); var anySummary = summaries.all()) {
            startedEmpty = !anyRaw.hasNext() && !anySummary.hasNext();
        }
    }

    /** Stores a sample of {@code vm} and writes the summaries it closes. */
    void store(String vm, EncodedLoadSample sample) {
        long at = sample.sample().getSampleTime().toEpochMilli();
        long closed = history.intervalStart(at - graceMillis);
        if (closed > quietClosedUntil) {
            closeQuiet(closed);
            quietClosedUntil = closed;
        }
        VmLoad load = vms.computeIfAbsent(vm, this::resume); // before the put: it reads the VM's raw samples back
        long start = history.intervalStart(at);
        if (newestSample != Long.MIN_VALUE && at <= newestSample - rawRetentionMillis) {
            keepSummarizedOnly(vm, load, sample.sample(), start);
            return;
        }
        newestSample = Math.max(newestSample, at);
        raw.put(vm, sample, at);
        load.latestSample = Math.max(load.latestSample, at);
        LoadSummaryBuilder interval = start < load.summarizedUntil ? null : load.intervalAt(start, intervalMillis);
        if (interval != null) {
            interval.add(sample.sample(), thresholds);
        } else {
            addToWritten(vm, sample.sample(), start); // late for an interval already written, or out of order
        }
        if (closed > load.summarizedUntil) {
            writeClosed(vm, load, closed);
        }
    }

    /** Writes the VM's open intervals that end by {@code closed}. */
    private void writeClosed(String vm, VmLoad load, long closed) {
        if (load.older != null) {
            while (!load.older.isEmpty() && load.older.peekFirst().startMillis < closed) {
                write(vm, load.older.pollFirst());
            }
            if (load.older.isEmpty()) {
                load.older = null;
            }
        }
        if (load.current != null && load.current.startMillis < closed && load.older == null) {
            write(vm, load.current);
            load.current = null;
        }
        load.summarizedUntil = closed;
    }

    private void write(String vm, LoadSummaryBuilder interval) {
        summaries.put(vm, interval.build(), interval.startMillis);
    }

    /**
     * A sample older than the raw window (its collector lagged behind the partition's others by more than
     * raw.load.retention): the raw store would drop it, so it goes into its interval's summary directly. A panic of
     * that time is decided without it; the warning says so and how to keep such samples raw.
     */
    private void keepSummarizedOnly(String vm, VmLoad load, HostLoadSample sample, long start) {
        // Into an interval already open (it is written with it), else straight into the store: an interval opened for
        // it would hold a sample that is in neither store until it is written, unseen by decisions and queries.
        LoadSummaryBuilder open = load.openAt(start);
        if (open != null) {
            open.add(sample, thresholds);
        } else {
            addToWritten(vm, sample, start);
        }
        tooLate++;
        long now = context.currentSystemTimeMs();
        if (now - tooLateLoggedAt >= 60_000) {
            long at = sample.getSampleTime().toEpochMilli();
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

    /** Adds a late sample to its interval's stored summary (or starts one). */
    private void addToWritten(String vm, HostLoadSample sample, long start) {
        LoadSummary kept;
        try (WindowStoreIterator<LoadSummary> it = summaries.fetch(vm, Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(start))) {
            kept = it.hasNext() ? it.next().value : null;
        }
        LoadSummaryBuilder summary = new LoadSummaryBuilder(start, start + intervalMillis);
        if (kept != null) {
            summary.add(kept);
        }
        summaries.put(vm, summary.add(sample, thresholds).build(), start);
    }

    /**
     * From when the raw store still holds every sample: its retention back from the newest sample stored (or, before
     * this task stored one, from its stream time, which is at least that).
     */
    long rawKeptFrom() {
        long newest = newestSample != Long.MIN_VALUE ? newestSample : context.currentStreamTimeMs();
        return newest - rawRetentionMillis + 1;
    }

    /** A VM first seen since init: its written summaries end where the store says, the rest is read from raw. */
    private VmLoad resume(String vm) {
        VmLoad load = new VmLoad();
        if (startedEmpty) {
            load.summarizedUntil = Long.MIN_VALUE; // nothing stored before this task started; two reads saved per VM
            return load;
        }
        load.summarizedUntil = history.summarizedUntil(vm, Long.MAX_VALUE / 2);
        try (WindowStoreIterator<EncodedLoadSample> it = raw.fetch(vm,
                Instant.ofEpochMilli(Math.max(0, load.summarizedUntil)), Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
            // Oldest first, so each sample opens or joins the newest interval.
            it.forEachRemaining(kv -> {
                load.intervalAt(history.intervalStart(kv.key), intervalMillis).add(kv.value.sample(), thresholds);
                load.latestSample = Math.max(load.latestSample, kv.key);
            });
        }
        return load;
    }

    /** Writes, up to {@code closed}, the intervals of VMs that have sent nothing in a later one. */
    private void closeQuiet(long closed) {
        vms.forEach((vm, load) -> {
            if (load.hasOpen() && history.intervalStart(load.latestSample) + intervalMillis <= closed) {
                writeClosed(vm, load, closed);
            }
        });
    }
}
