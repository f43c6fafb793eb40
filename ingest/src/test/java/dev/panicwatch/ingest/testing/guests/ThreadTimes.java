package dev.panicwatch.ingest.testing.guests;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The test's own reading of threads' {@code /proc/<pid>/task/<tid>/schedstat} (run ns, wait ns), taken at one
 * moment, so that two readings give each thread's run and wait share of the time between them: the figures the
 * sampler's must agree with.
 */
public record ThreadTimes(long takenNanos, Map<Integer, long[]> byTid) {

    public static ThreadTimes read(long pid, Collection<Integer> tids) {
        Map<Integer, long[]> times = new HashMap<>();
        for (int tid : tids) {
            Optional<String> line = KvmGuest.readQuietly(
                    java.nio.file.Path.of("/proc", Long.toString(pid), "task", Integer.toString(tid), "schedstat"));
            line.ifPresent(text -> {
                String[] fields = text.split("\\s+");
                times.put(tid, new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])});
            });
        }
        return new ThreadTimes(System.nanoTime(), times);
    }

    /** The share of the time since {@code earlier} that thread {@code tid} ran (0..1). */
    public double runShareSince(ThreadTimes earlier, int tid) {
        return share(earlier, tid, 0);
    }

    /** The share of the time since {@code earlier} that thread {@code tid} was runnable but waited (0..1). */
    public double waitShareSince(ThreadTimes earlier, int tid) {
        return share(earlier, tid, 1);
    }

    /** The largest wait share among {@code tids}: what the sampler calls the worst vCPU wait ratio. */
    public double worstWaitShareSince(ThreadTimes earlier, Collection<Integer> tids) {
        return tids.stream().mapToDouble(tid -> waitShareSince(earlier, tid)).max().orElse(0);
    }

    private double share(ThreadTimes earlier, int tid, int field) {
        long[] before = earlier.byTid.get(tid);
        long[] after = byTid.get(tid);
        if (before == null || after == null) {
            throw new IllegalStateException("thread " + tid + " was not read both times");
        }
        return (after[field] - before[field]) / (double) (takenNanos - earlier.takenNanos);
    }
}
