package dev.panicwatch.cli.bench;

/**
 * Which guest states the pipeline benchmark publishes beside its samples, and so how many (issue 14): the guest agent
 * reports at boot and on every run, every 5 minutes (docs/collectors.md), i.e. once per {@link #DEFAULT_EVERY}
 * samples 10 s apart. So each VM reports at round 0 and every {@code every} rounds after; each bench panic also
 * carries its boot-args, which the receiver publishes as a guest state of its own; and every other panicked VM
 * (the 1st, 3rd, ... panic) then reports the advised boot-args, as a guest that applied the advice and rebooted
 * would, so the outcome tracker has APPLIED transitions to make. {@code every} 0 publishes none of these.
 */
public record GuestStatePlan(int every) {

    /** 5 minutes (the agent's launchd StartInterval) over 10 s (pvestatd's sample interval). */
    public static final int DEFAULT_EVERY = 30;

    static final GuestStatePlan OFF = new GuestStatePlan(0);

    public GuestStatePlan {
        if (every < 0) {
            throw new IllegalArgumentException(problem(every));
        }
    }

    /** What is wrong with this --guest-state-every, or null. */
    static String problem(int every) {
        return every < 0 ? "--guest-state-every must be 0 (no guest states) or a number of samples, not " + every
                : null;
    }

    boolean on() {
        return every > 0;
    }

    /** Whether every VM sends a guest state just before its sample of {@code round} (0 = oldest). */
    boolean reportsAt(int round) {
        return on() && round % every == 0;
    }

    /** The agents' guest states over {@code samplesPerVm} rounds: rounds 0, every, 2 x every, ... per VM. */
    long periodic(int vms, int samplesPerVm) {
        return on() ? (long) vms * ((samplesPerVm + every - 1) / every) : 0;
    }

    /** Whether the VM of panic {@code index} (0-based, in sending order) applies its advice and reports it. */
    boolean appliesAdvice(int index) {
        return on() && index % 2 == 0;
    }

    /** The panicked VMs that apply their advice: every other one, the first included. */
    long applying(int panics) {
        return on() ? (panics + 1) / 2 : 0;
    }

    /** The panics' own guest states (one each) and the applied advice's. */
    long afterPanics(int panics) {
        return on() ? panics + applying(panics) : 0;
    }

    long total(int vms, int samplesPerVm, int panics) {
        return periodic(vms, samplesPerVm) + afterPanics(panics);
    }
}
