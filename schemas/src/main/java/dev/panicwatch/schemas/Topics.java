package dev.panicwatch.schemas;

/**
 * The topic names Panicwatch reads and writes, in one place. Collectors, the topology, the CLI, the tests and the
 * docker-compose check all take their names from here.
 */
public final class Topics {

    /** Parsed panic reports from the guests; key vmId, value {@link PanicReport}. */
    public static final String PANIC_REPORTS = "panic-reports";

    /** Host and VM load samples; key vmId, value {@link HostLoadSample}. */
    public static final String HOST_LOAD = "host-load";

    /** Advice per VM; key vmId, value {@link RemediationEvent}. Compacted: the latest per VM is the current advice. */
    public static final String REMEDIATIONS = "remediations";

    /**
     * What each guest runs (boot-args, vti, OS, kernel, boot time); key vmId, value {@link GuestState}. Compacted:
     * the latest observation per VM is its current state (docs/design.md#guest-state).
     */
    public static final String GUEST_STATE = "guest-state";

    /**
     * Each transition of a piece of advice (advised, applied, effective, ineffective, not applied); key vmId, value
     * {@link AdviceOutcome} (docs/design.md#advice-outcome). Not compacted: the transitions are the history.
     */
    public static final String ADVICE_OUTCOMES = "advice-outcomes";

    /** Records that could not be read or processed: original key and bytes, with error headers. */
    public static final String DEAD_LETTERS = "panicwatch-dead-letters";

    private Topics() {
    }
}
