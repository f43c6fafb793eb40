package dev.panicwatch.cli.bench;

import java.time.Duration;
import java.util.Locale;

/**
 * The fleet history {@code ./panicwatch bench --history} preloads before it kills the streams process: {@code vms}
 * VMs, each sampled every {@code sampleInterval} over {@code history}, the last sample now. Issue 16 asks how the
 * time to advice after a crash grows with VMs x history; this is the size of one point on that curve, and what it
 * must not exceed to finish on this machine.
 */
public record HistoryPlan(int vms, Duration history, Duration sampleInterval) {

    /**
     * Disk budgeted per sample: the record on host-load (129 bytes), its changelog record, its RocksDB entry, and
     * room for the segments and compactions beside them; four times the ~250 bytes these add up to measured here.
     */
    static final long DISK_BYTES_PER_SAMPLE = 1_024;

    /**
     * The slowest rate the preload and the first processing run at on a busy 2-core machine (the bench has measured
     * 6,000-48,000 samples/s), used to refuse a history that would run for hours.
     */
    static final long FLOOR_SAMPLES_PER_SEC = 5_000;

    /** Longest run accepted, by that floor rate: an hour. */
    static final Duration MAX_RUN = Duration.ofHours(1);

    /**
     * Oldest sample still in the correlator's window: the panic after the restart lies 90 s before the last sample
     * and looks 10 min back (PANICWATCH_LOOK_BACK), so shorter histories leave its window partly empty.
     */
    static final Duration MIN_HISTORY = Duration.ofMinutes(15);

    public long samplesPerVm() {
        return history.toMillis() / sampleInterval.toMillis();
    }

    public long samples() {
        return vms * samplesPerVm();
    }

    /** VMs x days of history, the unit the state and changelog sizes are reported in. */
    public double vmDays() {
        return vms * (history.toMillis() / (double) Duration.ofDays(1).toMillis());
    }

    /** Seconds the preload and first processing would take at {@link #FLOOR_SAMPLES_PER_SEC}. */
    public long worstCaseSeconds() {
        return samples() / FLOOR_SAMPLES_PER_SEC;
    }

    /**
     * What is wrong with this plan, or null.
     *
     * @param loadRetention how long the streams process keeps load samples; older ones would not be history
     * @param usableBytes   free space where the broker and the state folder write (the temporary folder)
     */
    public String problem(Duration loadRetention, long usableBytes) {
        if (vms < 1) {
            return "--vms must be at least 1, not " + vms;
        }
        if (sampleInterval.compareTo(Duration.ofSeconds(1)) < 0 || sampleInterval.compareTo(Duration.ofMinutes(1)) > 0) {
            // Over a minute, the panic's 11-minute window would hold too few samples to be advised as the field is.
            return "--sample-interval must be between PT1S and PT1M, not " + sampleInterval;
        }
        if (history.compareTo(MIN_HISTORY) < 0) {
            return "--history must be at least " + MIN_HISTORY + " (the panic after the restart looks 10 min back "
                    + "from 90 s before the last sample), not " + history;
        }
        if (history.toMillis() % sampleInterval.toMillis() != 0) {
            return "--history " + history + " is not a whole number of --sample-interval " + sampleInterval;
        }
        if (history.compareTo(loadRetention) > 0) {
            return "--history " + history + " is longer than the load retention " + loadRetention
                    + " (PANICWATCH_LOAD_RETENTION): older samples would be dropped, not kept as history";
        }
        if (samples() > Integer.MAX_VALUE) {
            return String.format(Locale.ROOT, "--vms %d x --history %s is %,d samples, more than this bench can count",
                    vms, history, samples());
        }
        long needed = samples() * DISK_BYTES_PER_SAMPLE;
        if (needed > usableBytes) {
            return String.format(Locale.ROOT, "--vms %d x --history %s is %,d samples, about %,d MiB on disk "
                    + "(broker log, changelog and state); only %,d MiB are free in the temporary folder", vms, history,
                    samples(), needed >> 20, usableBytes >> 20);
        }
        if (worstCaseSeconds() > MAX_RUN.toSeconds()) {
            return String.format(Locale.ROOT, "--vms %d x --history %s is %,d samples: up to %d min to load and "
                    + "process at %,d samples/s on a busy machine, over the %d min this bench allows; use fewer "
                    + "--vms or a shorter --history", vms, history, samples(), worstCaseSeconds() / 60,
                    FLOOR_SAMPLES_PER_SEC, MAX_RUN.toMinutes());
        }
        return null;
    }
}
