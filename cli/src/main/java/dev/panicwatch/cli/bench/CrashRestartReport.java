package dev.panicwatch.cli.bench;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The figures of one {@code ./panicwatch bench --history} run (issue 16, item 1): a fleet's history processed, the
 * streams process killed with SIGKILL and started again on the same state folder, and a panic published after the
 * restart timed to its advice.
 *
 * @param secondsToRunning  from the restart (the new process started) to its first "-> RUNNING"
 * @param secondsToAdvice   from the restart to the moment a read_committed consumer saw the new panic's remediation
 * @param recordsRestored   changelog records the restarted process restored, summed over its store partitions
 * @param stateBytes        the state folder on disk after the advice and a clean stop (memtables flushed)
 * @param changelogBytes    the changelog topics' partitions on the broker (their log dir sizes, the share from the log start offset on), same moment
 * @param sessionTimeoutMs  the streams process's session timeout: the killed member holds its tasks until it expires
 */
public record CrashRestartReport(HistoryPlan plan, double samplesPerSec, double secondHalfSamplesPerSec,
                                 double processingSeconds, double startupSeconds, double secondsToRunning,
                                 double secondsToAdvice, long recordsRestored, long stateBytes, long changelogBytes,
                                 long sessionTimeoutMs, int cores, double loadAverageStart, double loadAverageEnd,
                                 Map<String, String> appSettings) {

    /** Issue 16's goal: advice for a new panic within 30 s of the restart (for 10,000 VMs x one day). */
    static final double GOAL_SECONDS_TO_ADVICE = 30;

    public CrashRestartReport {
        appSettings = Map.copyOf(appSettings);
    }

    public double stateBytesPerVmDay() {
        return stateBytes / plan.vmDays();
    }

    public double changelogBytesPerVmDay() {
        return changelogBytes / plan.vmDays();
    }

    public String toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mode", "history");
        m.put("vms", plan.vms());
        m.put("history", plan.history().toString());
        m.put("sampleInterval", plan.sampleInterval().toString());
        m.put("samples", plan.samples());
        m.put("vmDays", BenchReport.round(plan.vmDays(), 3));
        m.put("samplesPerSec", BenchReport.round(samplesPerSec, 0));
        m.put("secondHalfSamplesPerSec", BenchReport.round(secondHalfSamplesPerSec, 0));
        m.put("processingSeconds", BenchReport.round(processingSeconds, 2));
        m.put("startupSeconds", BenchReport.round(startupSeconds, 2));
        m.put("secondsToRunning", BenchReport.round(secondsToRunning, 2));
        m.put("secondsToAdvice", BenchReport.round(secondsToAdvice, 2));
        m.put("sessionTimeoutMs", sessionTimeoutMs);
        m.put("recordsRestored", recordsRestored);
        m.put("stateBytes", stateBytes);
        m.put("stateBytesPerVmDay", BenchReport.round(stateBytesPerVmDay(), 0));
        m.put("changelogBytes", changelogBytes);
        m.put("changelogBytesPerVmDay", BenchReport.round(changelogBytesPerVmDay(), 0));
        return BenchReport.jsonLine(m, cores, loadAverageStart, loadAverageEnd, appSettings);
    }

    public String toText() {
        String settings = BenchReport.appSettingsLine(appSettings);
        return String.format(Locale.ROOT, """
                Panicwatch crash-restart benchmark: %,d VMs x %s of history every %s = %,d load samples \
                (%.2f VM-days); %d cores, load average %.2f at start, %.2f at end
                  first processing      %,12.0f samples/s   over %.2f s, start-up %.1f s not counted
                    second half         %,12.0f samples/s
                  after SIGKILL and restart:
                    to RUNNING          %12.1f s
                    to advice           %12.1f s           new panic published after the restart \
                (goal <= %.0f s for 10,000 VMs x 1 day: %s at this size)
                                                             session timeout %d ms (the killed member's tasks wait for it)
                    records restored    %,12d             from the changelogs, all store partitions
                  state on disk         %,12d bytes       %,.0f bytes per VM-day (the state folder, after a clean stop)
                  changelogs on broker  %,12d bytes       %,.0f bytes per VM-day (*-changelog log dirs, from the log start offset on)
                """, plan.vms(), human(plan.history()), human(plan.sampleInterval()), plan.samples(), plan.vmDays(),
                cores, loadAverageStart, loadAverageEnd, samplesPerSec, processingSeconds, startupSeconds,
                secondHalfSamplesPerSec, secondsToRunning, secondsToAdvice, GOAL_SECONDS_TO_ADVICE,
                secondsToAdvice <= GOAL_SECONDS_TO_ADVICE ? "met" : "NOT met", sessionTimeoutMs, recordsRestored, stateBytes,
                stateBytesPerVmDay(), changelogBytes, changelogBytesPerVmDay()) + settings;
    }

    private static String human(Duration d) {
        return d.toString().substring(2).toLowerCase(Locale.ROOT);
    }
}
