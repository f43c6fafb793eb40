package dev.panicwatch.ingest.host;

/**
 * A thread's scheduler statistics, {@code /proc/<pid>/task/<tid>/schedstat}: "{@code run_ns wait_ns timeslices}".
 * The second field is the time the thread was runnable but not running: for a vCPU thread, time the guest believes
 * it is executing while the host gives the CPU to something else. That is the delay a guest's TLB-shootdown and
 * spinlock timeouts measure.
 */
final class ThreadSchedstat {

    private ThreadSchedstat() {
    }

    /** The run-queue wait so far, in nanoseconds. @throws IllegalArgumentException when the line is not schedstat */
    static long waitNanos(String schedstat) {
        String[] fields = schedstat.trim().split("\\s+");
        if (fields.length < 2) {
            throw new IllegalArgumentException("expected 'run_ns wait_ns timeslices', got '" + schedstat.trim() + "'");
        }
        try {
            long wait = Long.parseLong(fields[1]);
            if (wait < 0) {
                throw new IllegalArgumentException("negative wait time " + wait);
            }
            return wait;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("wait time is not a count: '" + fields[1] + "'");
        }
    }
}
