package dev.panicwatch.streams.topology;

/**
 * Names of the topology's state stores. The public ones are the query side's contract (interactive queries look
 * them up by these names); the others are internal to the topology but named explicitly too, so their changelog
 * topics keep their names when the topology changes.
 */
public final class StoreNames {

    /** Window store: vmId → panics per {@code rate.window} (default 1 h), kept {@code retention} (default 7 d). */
    public static final String PANIC_COUNTS_PER_VM = "panic-counts-per-vm";
    /** Window store: hostId ("unknown" when neither report nor samples named it) → panics per rate window. */
    public static final String PANIC_COUNTS_PER_HOST = "panic-counts-per-host";
    /**
     * Window store: vmId → {@link PanicClassCounts} per rate window (the VM's panics by class; added for the query
     * side's {@code byClass}, keyed by vmId like {@link #PANIC_COUNTS_PER_VM} so no repartition is needed).
     */
    public static final String PANIC_COUNTS_PER_VM_BY_CLASS = "panic-counts-per-vm-by-class";
    /** Window store: PanicClass name → panics per rate window. */
    public static final String PANIC_COUNTS_PER_CLASS = "panic-counts-per-class";
    /** Key-value store: vmId → the latest published RemediationEvent (the current advice). */
    public static final String LATEST_REMEDIATION_PER_VM = "latest-remediation-per-vm";
    /**
     * Window store: vmId → HostLoadSample at its sampleTime, kept {@code raw.load.retention} (default 30 min);
     * read through {@link LoadHistory}.
     */
    public static final String RECENT_LOAD_PER_VM = "recent-load-per-vm";
    /**
     * Window store: vmId → {@link LoadSummary} at the start of its {@code load.summary.interval} (default 5 min), kept
     * {@code load.retention} (default 1 d); written by {@link LoadDownsampler}, read through {@link LoadHistory}.
     */
    public static final String LOAD_SUMMARY_PER_VM = "load-summary-per-vm";
    /**
     * Key-value store: vmId → the latest GuestState by observedTime (not by arrival: a late panic report can carry
     * an older observation; docs/design.md#guest-state).
     */
    public static final String LATEST_GUEST_STATE_PER_VM = "latest-guest-state-per-vm";
    /** Key-value store: vmId → the latest AdviceOutcome transition (docs/design.md#advice-outcome). */
    public static final String ADVICE_OUTCOME_PER_VM = "advice-outcome-per-vm";
    /**
     * Key-value store: hostId → {@link HostAtRisk}, the peers warned (or named "unknown vti") for each guest advised
     * to raise its vti there (docs/design.md#preventive-advice). Keyed by host like the peer warning that writes it.
     */
    public static final String AT_RISK_PER_HOST = "at-risk-per-host";

    /** Internal: reportId → panic time, for dropping re-sent reports. */
    public static final String SEEN_REPORT_IDS = "seen-report-ids";
    /** Internal: timeout panics waiting for their load window to close. */
    public static final String PENDING_PANICS = "pending-panics";
    /** Internal: per-VM cooldown and escalation state. */
    public static final String ADVICE_HISTORY = "advice-history";
    /** Internal: hostId → the guests seen on it, their vti and when each was last warned (preventive advice). */
    public static final String GUESTS_PER_HOST = "guests-per-host";
    /** Internal: per-VM advice lifecycle and recent timeout panics, for the outcomes. */
    public static final String ADVICE_LIFECYCLES = "advice-lifecycles";

    /** Host key of the per-host counts when the host is not known. */
    public static final String UNKNOWN_HOST = "unknown";

    private StoreNames() {
    }
}
