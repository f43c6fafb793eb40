package dev.panicwatch.streams.topology;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.advice.Advice;
import dev.panicwatch.streams.advice.AdviceCooldown;
import dev.panicwatch.streams.advice.AdviceHistory;
import dev.panicwatch.streams.advice.LoadWindow;
import dev.panicwatch.streams.advice.PanicFacts;
import dev.panicwatch.streams.advice.VtiAdvisor;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.metrics.PipelineObserver;

/**
 * docs/design.md#load-window to #advice-rules for one partition's VMs. Samples are kept per VM at their sample time; a timeout panic is
 * parked until its load window [panic − lookBack, panic + lookAhead] can no longer gain samples, judged on what this
 * task has read (docs/streams.md, "When a panic is decided"):
 * <ul>
 *   <li>by its own VM: a sample of that VM at or after panic + lookAhead + grace has been read. One collector sends
 *       a VM's samples in order on one partition, so everything of the window up to grace late came before it.
 *       Stream time is not used: it is the task's, pushed by other VMs and the other input.</li>
 *   <li>by the wall clock, for a VM that went quiet: max(panic + lookAhead + grace, arrival + grace) has passed
 *       and so has one grace since this task had read its host-load backlog ({@link HostLoadBacklog}); until the
 *       backlog is read (after a restart, a restore, a rebalance) nothing is decided on the wall clock at all.</li>
 * </ul>
 * Both are checked by punctuators, then the panic is decided with whatever samples came.
 */
final class PanicLoadCorrelator implements Processor<String, VmEvent, String, RemediationEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(PanicLoadCorrelator.class);
    private static final long BACKLOG_CHECK_EVERY_MS = 1_000;

    private final PipelineSettings settings;
    private final VtiAdvisor advisor;
    private final AdviceCooldown cooldown;
    private final PipelineObserver observer;
    private final HostLoadBacklog backlog;
    private final HostAttribution hosts;
    private final LoadDownsampler downsampler;

    private ProcessorContext<String, RemediationEvent> context;
    private WindowStore<String, EncodedLoadSample> recentLoad;
    private LoadHistory loadHistory;
    private KeyValueStore<String, PendingPanic> pending;
    private KeyValueStore<String, AdviceHistory> history;
    private KeyValueStore<String, RemediationEvent> latest;
    private int partition;
    /** Wall-clock time from which quiet VMs' panics may be decided: backlog read + grace; MAX_VALUE until then. */
    private long wallDecisionsFrom;
    private long lastBacklogCheck = Long.MIN_VALUE / 2;

    PanicLoadCorrelator(PipelineSettings settings, HostAttribution hosts, PipelineObserver observer,
                        HostLoadBacklog backlog) {
        this.settings = settings;
        this.hosts = hosts;
        this.observer = observer;
        this.backlog = backlog;
        this.advisor = VtiAdvisor.from(settings);
        this.cooldown = new AdviceCooldown(settings.cooldown());
        this.downsampler = new LoadDownsampler(settings);
    }

    @Override
    public void init(ProcessorContext<String, RemediationEvent> context) {
        this.context = context;
        this.recentLoad = context.getStateStore(StoreNames.RECENT_LOAD_PER_VM);
        this.loadHistory = LoadHistory.in(context, settings);
        downsampler.init(context, recentLoad, loadHistory);
        this.pending = context.getStateStore(StoreNames.PENDING_PANICS);
        this.history = context.getStateStore(StoreNames.ADVICE_HISTORY);
        this.latest = context.getStateStore(StoreNames.LATEST_REMEDIATION_PER_VM);
        // init() runs once this task's stores are restored; its input backlog is what is left to read.
        this.partition = context.taskId().partition();
        this.wallDecisionsFrom = Long.MAX_VALUE;
        checkBacklog();
        context.schedule(settings.punctuationInterval(), PunctuationType.STREAM_TIME, t -> decideDuePanics());
        context.schedule(settings.punctuationInterval(), PunctuationType.WALL_CLOCK_TIME, t -> decideDuePanics());
    }

    @Override
    public void process(Record<String, VmEvent> record) {
        if (record.value() instanceof VmEvent.Load load) {
            downsampler.store(record.key(), load.sample());
        } else if (record.value() instanceof VmEvent.Panic panic) {
            park(panic.facts());
        }
    }

    private void park(PanicFacts facts) {
        if (!facts.panicClass().isTimeout()) {
            return; // counted upstream; no remediation for NON_TIMEOUT (docs/design.md#advice-rules)
        }
        long windowClosed = facts.panicTime().toEpochMilli() + settings.lookAhead().toMillis()
                + settings.grace().toMillis();
        long wallDeadline = Math.max(windowClosed, context.currentSystemTimeMs() + settings.grace().toMillis());
        PendingPanic parked = new PendingPanic(facts, windowClosed, wallDeadline);
        pending.put(parked.storeKey(), parked);
        LOG.debug("panic {} of VM {} ({}) waits until a sample of the VM at {} is read or the wall clock passes {}",
                facts.reportId(), facts.vmId(), facts.panicClass(), Instant.ofEpochMilli(windowClosed),
                Instant.ofEpochMilli(wallDeadline));
    }

    /**
     * Until this task has read its host-load backlog, asks whether it has now (at most once a second: the answer
     * comes from the client's metrics, and punctuations can be much more frequent); then starts the wall-clock grace.
     */
    private void checkBacklog() {
        long now = context.currentSystemTimeMs();
        if (wallDecisionsFrom != Long.MAX_VALUE || now - lastBacklogCheck < BACKLOG_CHECK_EVERY_MS) {
            return;
        }
        lastBacklogCheck = now;
        if (!backlog.drained(partition)) {
            return;
        }
        wallDecisionsFrom = now + settings.grace().toMillis();
        LOG.info("task {}: host-load partition {} read to its end; quiet VMs' panics may be decided on the wall "
                + "clock from {}", context.taskId(), partition, Instant.ofEpochMilli(wallDecisionsFrom));
    }

    /** Whether a sample of {@code vmId} at or after {@code from} has been read (and is still kept). */
    private boolean sampleReadSince(String vmId, long from) {
        if (from == Long.MAX_VALUE) {
            return false;
        }
        try (WindowStoreIterator<EncodedLoadSample> later = recentLoad.fetch(vmId, from, Long.MAX_VALUE)) {
            return later.hasNext();
        }
    }

    private void decideDuePanics() {
        checkBacklog();
        long wallTime = context.currentSystemTimeMs();
        List<PendingPanic> due = new ArrayList<>();
        try (KeyValueIterator<String, PendingPanic> all = pending.all()) {
            while (all.hasNext()) {
                KeyValue<String, PendingPanic> entry = all.next();
                PendingPanic waiting = entry.value;
                if (waiting.isDue(sampleReadSince(waiting.facts().vmId(), waiting.samplesUntilMillis()), wallTime,
                        wallDecisionsFrom)) {
                    due.add(waiting);
                }
            }
        }
        // Oldest first per VM, so the cooldown sees a VM's panics in the order they happened.
        due.sort(Comparator.comparing((PendingPanic p) -> p.facts().vmId())
                .thenComparing(p -> p.facts().panicTime()).thenComparing(p -> p.facts().reportId()));
        for (PendingPanic panic : due) {
            // Removed first: a panic whose decision fails must not be retried on every punctuation forever, and
            // one VM's failure must not hold up the others' advice.
            pending.delete(panic.storeKey());
            try {
                decide(panic.facts(), wallTime);
            } catch (RuntimeException e) {
                LOG.error("could not decide panic {} of VM {} ({}); it gets no advice", panic.facts().reportId(),
                        panic.facts().vmId(), panic.facts().panicClass(), e);
            }
        }
    }

    private void decide(PanicFacts parked, long wallTime) {
        Instant start = parked.panicTime().minus(settings.lookBack());
        Instant end = parked.panicTime().plus(settings.lookAhead());
        LoadWindow load = loadHistory.window(parked.vmId(), start, end, downsampler.rawKeptFrom());
        if (!load.hasSamples()) {
            observer.decidedWithoutLoadData(parked.panicClass());
        }
        // A panic read before its VM's first sample had no host to take; the samples read since may name it.
        PanicFacts facts = parked.hostId() != null ? parked
                : parked.withHostId(hosts.hostOf(null, parked.vmId(), parked.panicTime(), loadHistory));
        AdviceHistory before = history.get(facts.vmId());
        Advice advice = advisor.advise(facts, load, cooldown.escalatingFrom(before, facts));
        AdviceCooldown.Decision decision = cooldown.decide(before, facts, advice);
        history.put(facts.vmId(), decision.history());
        if (!decision.publish()) {
            LOG.info("VM {}: panic {} gets the same advice ({}) as within the cooldown; not published again",
                    facts.vmId(), facts.reportId(), advice.verdict());
            return;
        }
        RemediationEvent event = RemediationEvents.of(facts, load, advisor.thresholds(), advice, decision,
                Instant.ofEpochMilli(wallTime));
        latest.put(facts.vmId(), event);
        LOG.info("VM {}: {} {} after panic {} ({} samples)", facts.vmId(), advice.verdict(), event.getActions(),
                facts.reportId(), load.samples());
        context.forward(new Record<>(facts.vmId(), event, wallTime));
        observer.remediationPublished(event.getActions());
    }
}
