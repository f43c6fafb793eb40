package dev.panicwatch.streams.topology;

import java.time.Instant;
import java.util.List;
import java.util.Locale;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.OutcomePeriod;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.advice.AdviceLifecycle;
import dev.panicwatch.streams.advice.AdviceLifecycle.Period;
import dev.panicwatch.streams.advice.AdviceLifecycle.Tracked;
import dev.panicwatch.streams.advice.GuestObservation;
import dev.panicwatch.streams.advice.OverloadThresholds;
import dev.panicwatch.streams.advice.PanicFacts;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.metrics.PipelineObserver;

/**
 * docs/design.md#advice-outcome for one partition's VMs: follows each piece of advice that changes boot-args from
 * ADVISED to APPLIED to EFFECTIVE or INEFFECTIVE, with NOT_APPLIED as a one-time reminder, and forwards every
 * transition. Only event time moves it (observation, panic and sample times of the VM itself), never the wall clock,
 * so a replay of the same records gives the same outcomes, also when a replay has read the guest's observations and
 * samples before the advice was decided (they are taken in event-time order then). A VM that sends nothing more
 * stays where it is.
 */
final class AdviceOutcomeTracker implements Processor<String, OutcomeInput, String, AdviceOutcome> {

    private static final Logger LOG = LoggerFactory.getLogger(AdviceOutcomeTracker.class);

    private final PipelineSettings settings;
    private final OverloadThresholds thresholds;
    private ProcessorContext<String, AdviceOutcome> context;
    private KeyValueStore<String, AdviceLifecycle> lifecycles;
    private KeyValueStore<String, GuestState> guests;
    private KeyValueStore<String, AdviceOutcome> outcomes;
    private LoadHistory loadHistory;
    /**
     * The VMs this task holds a lifecycle for, in memory: every load sample asks whether its VM has one, and only
     * advised VMs do, so the answer for the rest of the fleet comes from here instead of a state-store read per sample
     * (about a tenth of the pipeline's throughput in the bench: 75,000 to 84,000 samples/s).
     */
    private final java.util.Set<String> followed = new java.util.HashSet<>();

    private final PipelineObserver observer;

    AdviceOutcomeTracker(PipelineSettings settings, PipelineObserver observer) {
        this.settings = settings;
        this.observer = observer;
        this.thresholds = OverloadThresholds.from(settings);
    }

    @Override
    public void init(ProcessorContext<String, AdviceOutcome> context) {
        this.context = context;
        this.lifecycles = context.getStateStore(StoreNames.ADVICE_LIFECYCLES);
        // init runs once the task's stores are restored, so this sees every lifecycle the task holds.
        try (var all = lifecycles.all()) {
            all.forEachRemaining(kv -> followed.add(kv.key));
        }
        this.guests = context.getStateStore(StoreNames.LATEST_GUEST_STATE_PER_VM);
        this.outcomes = context.getStateStore(StoreNames.ADVICE_OUTCOME_PER_VM);
        this.loadHistory = LoadHistory.in(context, settings);
    }

    @Override
    public void process(Record<String, OutcomeInput> record) {
        String vm = record.key();
        OutcomeInput input = record.value();
        if (input instanceof OutcomeInput.Advised a) {
            advised(vm, a.remediation());
        } else if (input instanceof OutcomeInput.Observed o) {
            observed(vm, o.state());
        } else if (input instanceof OutcomeInput.Panicked p) {
            panicked(vm, p.facts());
        } else if (input instanceof OutcomeInput.Sampled s) {
            sampled(vm, s.sample().sample());
        }
    }

    /** Every put of a lifecycle goes through here, so {@link #followed} knows each VM the store holds. */
    private void follow(String vm, AdviceLifecycle life) {
        lifecycles.put(vm, life);
        followed.add(vm);
    }

    private AdviceLifecycle lifecycleOf(String vm) {
        AdviceLifecycle kept = lifecycles.get(vm);
        return kept == null ? AdviceLifecycle.none() : kept;
    }

    /** Only advice that changes boot-args has an outcome to follow; a new suggestion starts a new lifecycle. */
    private void advised(String vm, RemediationEvent remediation) {
        if (remediation.getSuggestedVti() == null || remediation.getSuggestedBootArgs() == null) {
            return;
        }
        int vti = remediation.getSuggestedVti();
        boolean tlbOff = remediation.getActions().contains(RemediationAction.DISABLE_TLB_TIMEOUT);
        AdviceLifecycle life = lifecycleOf(vm).withHost(remediation.getHostId());
        Tracked current = life.advice();
        if (current != null && current.isOpen() && current.suggestedVti() == vti
                && current.tlbTimeoutDisabled() == tlbOff) {
            return; // the same advice again (after a cooldown): the lifecycle it started goes on
        }
        // The load window is [panic - lookBack, panic + lookAhead] by construction, so this is the panic's time.
        long advisedAt = remediation.getEvidence().getWindowEnd().toEpochMilli() - settings.lookAhead().toMillis();
        // [advice - effective.after, advice], both ends included: the panic the advice was decided on counts.
        long from = advisedAt - settings.effectiveAfter().toMillis();
        int[] load = loadBetween(vm, from, advisedAt);
        Period before = new Period(from, advisedAt, life.timeoutPanicsBetween(from, advisedAt), load[0], load[1]);
        Tracked tracked = new Tracked("ADVISED", remediation.getRemediationId(), advisedAt, vti, tlbOff,
                remediation.getSuggestedBootArgs(), null, before, 0, 0, false, advisedAt, Long.MIN_VALUE);
        life = emit(vm, life.with(tracked), advisedAt, String.format(Locale.ROOT,
                "advised vti=%d%s (%s) after the panic at %s", vti, tlbOff ? " and tlbto_us=0" : "",
                remediation.getSuggestedBootArgs(), Instant.ofEpochMilli(advisedAt)));
        // What was read before the advice was decided (observations, samples) is taken in event-time order now, as
        // it would have been had the advice come first: a fast replay and a live run give the same outcomes.
        for (GuestObservation o : life.observations()) {
            if (o.observedMillis() >= advisedAt) {
                life = advanceTo(vm, observe(vm, life, o), o.observedMillis());
            }
        }
        long latestSample = loadHistory.latestSampleMillis(vm);
        if (latestSample >= advisedAt) {
            life = advanceTo(vm, life, latestSample);
        }
        follow(vm, life);
    }

    private void observed(String vm, GuestState state) {
        GuestState kept = guests.get(vm);
        boolean newest = kept == null || state.getObservedTime().isAfter(kept.getObservedTime());
        if (newest) {
            guests.put(vm, state); // the latest by observedTime, not by arrival (docs/design.md#guest-state)
        }
        AdviceLifecycle before = lifecycles.get(vm);
        if (before == null) {
            return; // never had a timeout panic: no advice to follow, and none will look back past its panic
        }
        long at = state.getObservedTime().toEpochMilli();
        GuestObservation o = observation(state);
        AdviceLifecycle life = before.withObservation(o).withHost(newest ? state.getHostId() : null);
        // A duplicate or an older observation than one already followed changes the history only.
        if (newest && life.advice() != null) {
            life = advanceTo(vm, observe(vm, life, o), at);
        }
        if (!life.equals(before)) {
            follow(vm, life);
        }
    }

    private void panicked(String vm, PanicFacts panic) {
        long at = panic.panicTime().toEpochMilli();
        AdviceLifecycle kept = lifecycles.get(vm);
        if (!panic.panicClass().isTimeout() && (kept == null || kept.advice() == null)) {
            return; // neither counted for the figures nor an observation of any advice
        }
        AdviceLifecycle life = (kept == null ? firstLifecycle(vm) : kept).withHost(panic.hostId());
        if (panic.panicClass().isTimeout()) {
            // Kept for one effective-after stretch before the newest panic: the "before" figures need no more.
            life = life.withTimeoutPanic(at, at - settings.effectiveAfter().toMillis());
        }
        java.util.OptionalInt tlbto = BootArgs.number(panic.bootArgs(), "tlbto_us");
        GuestObservation o = new GuestObservation(at, panic.currentVti(), tlbto.isPresent() ? tlbto.getAsInt() : null,
                panic.bootArgs(), null, panic.xnuVersion(), GuestObservation.PANIC_REPORT);
        life = life.withObservation(o);
        if (life.advice() != null) {
            life = observe(vm, life, o);
            Tracked t = life.advice();
            if (panic.panicClass().isTimeout() && t.status().equals("APPLIED") && at >= t.appliedMillis()) {
                life = ineffective(vm, life, at, panic.panicClass() + " panic at " + panic.panicTime() + " with vti="
                        + panic.currentVti() + " in force");
            }
            life = advanceTo(vm, life, at);
        }
        follow(vm, life);
    }

    /**
     * A VM's lifecycle from its first timeout panic on, holding its latest guest state: topics are read in no fixed
     * order, so a guest state observed after the panic (the advice applied at once) may have been read before the
     * panic report, when there was no lifecycle to keep it in; the advice looks for it among the observations.
     */
    private AdviceLifecycle firstLifecycle(String vm) {
        GuestState latest = guests.get(vm);
        return latest == null ? AdviceLifecycle.none() : AdviceLifecycle.none().withObservation(observation(latest));
    }

    private static GuestObservation observation(GuestState state) {
        return new GuestObservation(state.getObservedTime().toEpochMilli(), state.getVti(), state.getTlbtoUs(),
                state.getBootArgs(), state.getBootTime() == null ? null : state.getBootTime().toEpochMilli(),
                state.getXnuVersion(), state.getSource().name());
    }

    private AdviceLifecycle ineffective(String vm, AdviceLifecycle life, long at, String what) {
        Tracked t = life.advice();
        return emit(vm, life.with(t.moveTo("INEFFECTIVE", at)), at, String.format(Locale.ROOT,
                "%s, %s after the advice was applied: the advice was not enough", what,
                java.time.Duration.ofMillis(at - t.appliedMillis())));
    }

    private void sampled(String vm, HostLoadSample sample) {
        if (!followed.contains(vm)) {
            return; // the common case: nothing to follow, nothing read or written
        }
        AdviceLifecycle before = lifecycles.get(vm);
        if (before == null || before.advice() == null) {
            return;
        }
        long at = sample.getSampleTime().toEpochMilli();
        AdviceLifecycle life = before.withHost(sample.getHostId());
        Tracked t = life.advice();
        if (t.status().equals("APPLIED") && at >= t.appliedMillis()) {
            life = life.with(t.withSample(at, thresholds.crossedBy(sample)));
        }
        life = advanceTo(vm, life, at);
        if (!life.equals(before)) {
            follow(vm, life);
        }
    }

    /** What an observation of the boot-args in force means for the advice (none before the advice counts). */
    private AdviceLifecycle observe(String vm, AdviceLifecycle life, GuestObservation o) {
        Tracked t = life.advice();
        long at = o.observedMillis();
        if (at < t.advisedMillis() || !t.isOpen()) {
            return life;
        }
        boolean carried = t.carriedBy(o.vti(), o.tlbtoUs());
        String runs = o.bootArgs() == null || o.bootArgs().isBlank() ? "no boot-args" : "'" + o.bootArgs() + "'";
        if (carried && !t.status().equals("APPLIED")) {
            // Samples and panics of the VM read before this observation (a fast replay) count from here on.
            int[] load = loadBetween(vm, at, Long.MAX_VALUE / 2);
            long counted = Math.max(at - 1, loadHistory.latestSampleMillis(vm));
            life = emit(vm, life.with(t.applied(at, load[0], load[1], counted)), at, String.format(Locale.ROOT,
                    "the %s at %s shows %s (vti=%d%s), which carries the advice", o.describedSource(),
                    Instant.ofEpochMilli(at), runs, o.vti(), o.tlbtoUs() == null ? "" : ", tlbto_us=" + o.tlbtoUs()));
            List<Long> since = life.timeoutPanicsIn(at + 1, Long.MAX_VALUE);
            return since.isEmpty() ? life : ineffective(vm, life, since.get(0), "a timeout panic at "
                    + Instant.ofEpochMilli(since.get(0)));
        }
        if (!carried && t.status().equals("APPLIED")) {
            return emit(vm, life.with(t.notApplied(at)), at, String.format(Locale.ROOT,
                    "the %s at %s shows %s (vti=%d) again: the advice was reverted", o.describedSource(),
                    Instant.ofEpochMilli(at), runs, o.vti()));
        }
        if (!carried && t.status().equals("ADVISED") && o.bootTimeMillis() != null
                && o.bootTimeMillis() > t.advisedMillis()) {
            return emit(vm, life.with(t.notApplied(at)), at, String.format(Locale.ROOT,
                    "the guest rebooted at %s without the advice: it runs %s (vti=%d)",
                    Instant.ofEpochMilli(o.bootTimeMillis()), runs, o.vti()));
        }
        return life;
    }

    /** The VM's own event time reached {@code at}: the apply deadline and the effective stretch are checked. */
    private AdviceLifecycle advanceTo(String vm, AdviceLifecycle life, long at) {
        Tracked t = life.advice();
        if (t.status().equals("ADVISED") && !t.reminded()
                && at >= t.advisedMillis() + settings.applyDeadline().toMillis()) {
            GuestState seen = guests.get(vm);
            return emit(vm, life.with(t.notApplied(at)), at, String.format(Locale.ROOT,
                    "%s after the advice the guest still runs %s", settings.applyDeadline(),
                    seen == null ? "the boot-args of its panic (no guest state since)"
                            : "'" + seen.getBootArgs() + "' (vti=" + seen.getVti() + ")"));
        }
        if (t.status().equals("APPLIED") && at >= t.appliedMillis() + settings.effectiveAfter().toMillis()) {
            Double share = t.afterOverloadedShare();
            if (share != null && share >= settings.effectiveMinOverloadShare()) {
                return emit(vm, life.with(t.moveTo("EFFECTIVE", at)), at, String.format(Locale.ROOT,
                        "no timeout panic in %s since the advice was applied, with the host overloaded on %d of %d "
                                + "samples (%.0f %%, at least %.0f %% needed)",
                        java.time.Duration.ofMillis(at - t.appliedMillis()), t.afterOverloaded(), t.afterSamples(),
                        share * 100, settings.effectiveMinOverloadShare() * 100));
            }
        }
        return life;
    }

    private AdviceLifecycle emit(String vm, AdviceLifecycle life, long at, String reason) {
        Tracked t = life.advice();
        Period after = t.appliedMillis() == null || t.status().equals("ADVISED") ? null
                : new Period(t.appliedMillis(), at, life.timeoutPanicsBetween(t.appliedMillis(), at),
                        t.afterSamples(), t.afterOverloaded());
        GuestState seen = guests.get(vm);
        AdviceOutcome outcome = AdviceOutcome.newBuilder()
                .setVmId(vm)
                .setHostId(life.hostId())
                .setStatus(AdviceOutcomeStatus.valueOf(t.status()))
                .setTime(Instant.ofEpochMilli(at))
                .setReason(reason)
                .setRemediationId(t.remediationId())
                .setAdvisedTime(Instant.ofEpochMilli(t.advisedMillis()))
                .setSuggestedVti(t.suggestedVti())
                .setTlbTimeoutDisabled(t.tlbTimeoutDisabled())
                .setSuggestedBootArgs(t.suggestedBootArgs())
                .setAppliedTime(t.appliedMillis() == null ? null : Instant.ofEpochMilli(t.appliedMillis()))
                .setObservedBootArgs(seen == null ? null : seen.getBootArgs())
                .setObservedVti(seen == null ? null : seen.getVti())
                .setBefore(published(t.before()))
                .setAfter(after == null ? null : published(after))
                .build();
        outcomes.put(vm, outcome);
        LOG.info("VM {}: advice {} {} at {}: {}", vm, t.remediationId(), t.status(), outcome.getTime(), reason);
        context.forward(new Record<>(vm, outcome, at));
        observer.adviceOutcome(outcome.getStatus());
        return life;
    }

    private static OutcomePeriod published(Period p) {
        return OutcomePeriod.newBuilder()
                .setStart(Instant.ofEpochMilli(p.startMillis()))
                .setEnd(Instant.ofEpochMilli(p.endMillis()))
                .setTimeoutPanics(p.timeoutPanics())
                .setTimeoutPanicsPerDay(p.timeoutPanicsPerDay())
                .setSamples(p.samples())
                .setOverloadedSamples(p.overloadedSamples())
                .setOverloadedShare(p.overloadedShare())
                .build();
    }

    /**
     * {samples, overloaded samples} of the VM in [from, to]: exact within the raw window, from the summaries before
     * it (a day-long "before" stretch; docs/design.md#load-history).
     */
    private int[] loadBetween(String vm, long from, long to) {
        long rawKeptFrom = context.currentStreamTimeMs() - settings.rawLoadRetention().toMillis() + 1;
        return loadHistory.counts(vm, from, to, rawKeptFrom);
    }
}
