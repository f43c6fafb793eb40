package dev.panicwatch.streams.topology;

import java.time.Duration;
import java.util.Map;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

import dev.panicwatch.diagnosis.classify.PanicClassifier;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.advice.AdviceHistory;
import dev.panicwatch.streams.advice.AdviceLifecycle;
import dev.panicwatch.streams.advice.PanicFacts;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.metrics.PipelineObserver;

/**
 * The Panicwatch topology (docs/design.md#topology):
 * <pre>
 * panic-reports ─ check key ─ drop duplicates ─ classify (host, class: PanicFacts) ─┬─ count per VM / host / class
 *                                                                                   └─┐
 * host-load ───── check key ────────────────────────────────────────────────────────── merge ─ correlate and advise
 *                                                                                               └─ remediations ─┐
 * guest-state ─── check key ─────────── (with the panics, samples and remediations) ─ track advice outcomes ─┘
 *                                                                                       └─ advice-outcomes
 * vti advice, guest states, VMs seen per host ─ repartition by host ─ warn peers ─ preventive remediations
 * </pre>
 * Built here, configured by {@code StreamsConfigFactory}; tests build both the same way. Every processor, store and
 * internal topic has an explicit name so the topology can evolve without orphaning state.
 */
public final class PanicwatchTopology {

    private PanicwatchTopology() {
    }

    public static Topology build(PipelineSettings settings, PanicwatchSerdes serdes, PanicClassifier classifier) {
        return build(settings, serdes, classifier, PipelineObserver.NO_OP);
    }

    /** As {@link #build(PipelineSettings, PanicwatchSerdes, PanicClassifier)}, telling {@code observer} (metrics). */
    public static Topology build(PipelineSettings settings, PanicwatchSerdes serdes, PanicClassifier classifier,
                                 PipelineObserver observer) {
        return build(settings, serdes, classifier, observer, HostLoadBacklog.NONE);
    }

    /**
     * As above; {@code backlog} tells the correlator when its host-load input has been read after a (re)start, so
     * quiet VMs' panics are not decided on the wall clock before their waiting samples are read.
     */
    public static Topology build(PipelineSettings settings, PanicwatchSerdes serdes, PanicClassifier classifier,
                                 PipelineObserver observer, HostLoadBacklog backlog) {
        StreamsBuilder builder = new StreamsBuilder();
        addStores(builder, settings, serdes);

        // One classification per report: its facts are what the counts and the correlator share.
        HostAttribution hosts = new HostAttribution(settings);
        KStream<String, PanicFacts> classified = builder
                .stream(Topics.PANIC_REPORTS, Consumed.with(Serdes.String(), serdes.panicReports())
                        .withTimestampExtractor(new EventTimeExtractor()).withName("read-panic-reports"))
                .processValues(() -> new VmKeyCheck<PanicReport>(Topics.PANIC_REPORTS, PanicReport::getVmId),
                        Named.as("check-panic-report-key"))
                .processValues(() -> new DuplicateReportFilter(settings.retention()),
                        Named.as("drop-duplicate-reports"), StoreNames.SEEN_REPORT_IDS)
                .processValues(() -> new PanicClassification(classifier, hosts, settings, observer),
                        Named.as("classify-panics"), StoreNames.RECENT_LOAD_PER_VM, StoreNames.LOAD_SUMMARY_PER_VM);

        countPanics(classified, settings);

        KStream<String, EncodedLoadSample> samples = builder
                .stream(Topics.HOST_LOAD, Consumed.with(Serdes.String(), serdes.encodedLoadSamples())
                        .withTimestampExtractor(new EventTimeExtractor()).withName("read-host-load"))
                .processValues(() -> new VmKeyCheck<EncodedLoadSample>(Topics.HOST_LOAD,
                        encoded -> encoded.sample().getVmId()), Named.as("check-host-load-key"));

        KStream<String, VmEvent> panicEvents = classified.mapValues(p -> (VmEvent) new VmEvent.Panic(p),
                Named.as("panics-as-vm-events"));
        KStream<String, VmEvent> loadEvents = samples.mapValues(s -> (VmEvent) new VmEvent.Load(s),
                Named.as("samples-as-vm-events"));
        KStream<String, RemediationEvent> remediations = panicEvents.merge(loadEvents, Named.as("merge-vm-events"))
                .process(() -> new PanicLoadCorrelator(settings, hosts, observer, backlog),
                        Named.as("correlate-and-advise"),
                        StoreNames.RECENT_LOAD_PER_VM, StoreNames.LOAD_SUMMARY_PER_VM, StoreNames.PENDING_PANICS,
                        StoreNames.ADVICE_HISTORY, StoreNames.LATEST_REMEDIATION_PER_VM);
        remediations.to(Topics.REMEDIATIONS, Produced.with(Serdes.String(), serdes.remediations())
                .withName("write-remediations"));

        trackOutcomes(builder, settings, serdes, observer, remediations, classified, samples);
        return builder.build();
    }

    /**
     * docs/design.md#advice-outcome: the advice just published, the guest states, the panics and the samples of each
     * VM meet in one processor, in the same task as the correlator (all keyed by vmId, so nothing is repartitioned).
     */
    private static void trackOutcomes(StreamsBuilder builder, PipelineSettings settings, PanicwatchSerdes serdes,
                                      PipelineObserver observer,
                                      KStream<String, RemediationEvent> remediations,
                                      KStream<String, PanicFacts> classified,
                                      KStream<String, EncodedLoadSample> samples) {
        KStream<String, GuestState> guestStates = builder
                .stream(Topics.GUEST_STATE, Consumed.with(Serdes.String(), serdes.guestStates())
                        .withTimestampExtractor(new EventTimeExtractor()).withName("read-guest-state"))
                .processValues(() -> new VmKeyCheck<GuestState>(Topics.GUEST_STATE, GuestState::getVmId),
                        Named.as("check-guest-state-key"));
        warnPeers(settings, serdes, observer, remediations, guestStates, samples);
        KStream<String, OutcomeInput> guests = guestStates
                .mapValues(g -> (OutcomeInput) new OutcomeInput.Observed(g), Named.as("guest-states-as-outcome-input"));
        remediations.mapValues(r -> (OutcomeInput) new OutcomeInput.Advised(r), Named.as("advice-as-outcome-input"))
                .merge(guests, Named.as("merge-outcome-guest-states"))
                .merge(classified.mapValues(p -> (OutcomeInput) new OutcomeInput.Panicked(p),
                        Named.as("panics-as-outcome-input")), Named.as("merge-outcome-panics"))
                .merge(samples.mapValues(s -> (OutcomeInput) new OutcomeInput.Sampled(s),
                        Named.as("samples-as-outcome-input")), Named.as("merge-outcome-samples"))
                .process(() -> new AdviceOutcomeTracker(settings, observer), Named.as("track-advice-outcomes"),
                        StoreNames.ADVICE_LIFECYCLES, StoreNames.LATEST_GUEST_STATE_PER_VM,
                        StoreNames.ADVICE_OUTCOME_PER_VM, StoreNames.RECENT_LOAD_PER_VM, StoreNames.LOAD_SUMMARY_PER_VM)
                .to(Topics.ADVICE_OUTCOMES, Produced.with(Serdes.String(), serdes.adviceOutcomes())
                        .withName("write-advice-outcomes"));
    }

    /**
     * docs/design.md#preventive-advice: the one part of the topology keyed by host, since a host's guests live on
     * every partition. Only what the warning needs crosses over: advice to raise a vti on an overloaded host, guest
     * states that name their host, and a VM's presence on a host at most every ten minutes of sample time.
     */
    private static void warnPeers(PipelineSettings settings, PanicwatchSerdes serdes, PipelineObserver observer,
                                  KStream<String, RemediationEvent> remediations,
                                  KStream<String, GuestState> guestStates,
                                  KStream<String, EncodedLoadSample> samples) {
        KStream<String, HostEvent> seen = samples.process(HostMembership::new, Named.as("announce-vms-per-host"));
        KStream<String, HostEvent> observed = guestStates
                .filter((vm, g) -> g.getHostId() != null && !g.getHostId().isBlank(),
                        Named.as("guest-states-naming-a-host"))
                .map((vm, g) -> KeyValue.pair(g.getHostId(), new HostEvent(HostEvent.OBSERVED, vm, g.getHostId(),
                                g.getObservedTime().toEpochMilli(), g.getVti(), g.getBootArgs(), g.getXnuVersion(),
                                g.getSource().name(), null)),
                        Named.as("guest-states-per-host"));
        KStream<String, HostEvent> advised = remediations
                .filter((vm, r) -> r.getActions().contains(RemediationAction.RAISE_VTI) && r.getSuggestedVti() != null
                                && r.getEvidence().getOverloaded() && r.getHostId() != null,
                        Named.as("vti-advice-on-overloaded-hosts"))
                .map((vm, r) -> KeyValue.pair(r.getHostId(), new HostEvent(HostEvent.ADVISED, vm, r.getHostId(),
                                // The load window is [panic - lookBack, panic + lookAhead]: this is the panic's time.
                                r.getEvidence().getWindowEnd().toEpochMilli() - settings.lookAhead().toMillis(),
                                null, null, null, null, singleObject(r))),
                        Named.as("vti-advice-per-host"));
        seen.merge(observed, Named.as("merge-host-guest-states")).merge(advised, Named.as("merge-host-advice"))
                .repartition(Repartitioned.<String, HostEvent>as("vm-events-per-host")
                        .withKeySerde(Serdes.String()).withValueSerde(new JsonSerde<>(HostEvent.class)))
                .process(() -> new PeerWarning(settings, observer), Named.as("warn-peers"), StoreNames.GUESTS_PER_HOST,
                        StoreNames.AT_RISK_PER_HOST)
                .to(Topics.REMEDIATIONS, Produced.with(Serdes.String(), serdes.remediations())
                        .withName("write-preventive-remediations"));
    }

    private static byte[] singleObject(RemediationEvent event) {
        try {
            java.nio.ByteBuffer buffer = event.toByteBuffer();
            byte[] bytes = new byte[buffer.remaining()];
            buffer.get(bytes);
            return bytes;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot encode remediation " + event.getRemediationId(), e);
        }
    }

    private static void countPanics(KStream<String, PanicFacts> classified, PipelineSettings settings) {
        // Counts are over panic time with a grace of rate.grace: a report delivered late is still counted in its hour.
        TimeWindows windows = TimeWindows.ofSizeAndGrace(settings.rateWindow(), settings.rateGrace());
        Grouped<String, String> ids = Grouped.with(Serdes.String(), Serdes.String());

        classified.mapValues(PanicFacts::reportId, Named.as("panic-ids-per-vm"))
                .groupByKey(ids.withName("panics-per-vm"))
                .windowedBy(windows)
                .count(Named.as("count-panics-per-vm"), counts(StoreNames.PANIC_COUNTS_PER_VM, settings));
        classified.map((vm, p) -> KeyValue.pair(p.hostId() == null ? StoreNames.UNKNOWN_HOST : p.hostId(),
                                p.reportId()),
                        Named.as("panic-ids-per-host"))
                .groupByKey(ids.withName("panics-per-host"))
                .windowedBy(windows)
                .count(Named.as("count-panics-per-host"), counts(StoreNames.PANIC_COUNTS_PER_HOST, settings));
        classified.map((vm, p) -> KeyValue.pair(p.panicClass().name(), p.reportId()),
                        Named.as("panic-ids-per-class"))
                .groupByKey(ids.withName("panics-per-class"))
                .windowedBy(windows)
                .count(Named.as("count-panics-per-class"), counts(StoreNames.PANIC_COUNTS_PER_CLASS, settings));
        classified.mapValues(p -> p.panicClass().name(), Named.as("panic-classes-per-vm"))
                .groupByKey(ids.withName("panics-by-class-per-vm"))
                .windowedBy(windows)
                .aggregate(PanicClassCounts::none, (vm, panicClass, counts) -> counts.plus(panicClass),
                        Named.as("count-panics-per-vm-by-class"),
                        Materialized.<String, PanicClassCounts, WindowStore<Bytes, byte[]>>as(
                                        StoreNames.PANIC_COUNTS_PER_VM_BY_CLASS)
                                .withKeySerde(Serdes.String())
                                .withValueSerde(new JsonSerde<>(PanicClassCounts.class))
                                .withRetention(settings.retention()));
    }

    private static Materialized<String, Long, WindowStore<Bytes, byte[]>> counts(String name, PipelineSettings settings) {
        return Materialized.<String, Long, WindowStore<Bytes, byte[]>>as(name)
                .withKeySerde(Serdes.String())
                .withValueSerde(Serdes.Long())
                .withRetention(settings.retention());
    }

    private static void addStores(StreamsBuilder builder, PipelineSettings settings, PanicwatchSerdes serdes) {
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.SEEN_REPORT_IDS), Serdes.String(), Serdes.Long()));
        // Samples are stored at their own time; the "window" size is irrelevant for point events and kept minimal.
        // Stored in the bytes they arrived in (see EncodedLoadSample): one changelog write per sample, no re-encoding.
        // Kept only for the raw window; what looks further back reads the summaries (docs/design.md#load-history).
        Map<String, Map<String, String>> changelogs = StoreChangelogs.sized(settings);
        builder.addStateStore(Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(StoreNames.RECENT_LOAD_PER_VM, settings.rawLoadRetention(),
                                Duration.ofMillis(1), false),
                        Serdes.String(), serdes.encodedLoadSamples())
                .withLoggingEnabled(changelogs.get(StoreNames.RECENT_LOAD_PER_VM)));
        builder.addStateStore(Stores.windowStoreBuilder(
                        Stores.persistentWindowStore(StoreNames.LOAD_SUMMARY_PER_VM, settings.loadRetention(),
                                settings.loadSummaryInterval(), false),
                        Serdes.String(), new JsonSerde<>(LoadSummary.class))
                .withLoggingEnabled(changelogs.get(StoreNames.LOAD_SUMMARY_PER_VM)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.PENDING_PANICS), Serdes.String(),
                new PendingPanicSerde()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.ADVICE_HISTORY), Serdes.String(),
                new JsonSerde<>(AdviceHistory.class)));
        StoreBuilder<KeyValueStore<String, dev.panicwatch.schemas.RemediationEvent>> latest = Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.LATEST_REMEDIATION_PER_VM), Serdes.String(),
                serdes.remediations());
        builder.addStateStore(latest);
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.GUESTS_PER_HOST), Serdes.String(),
                new JsonSerde<>(HostGuests.Guest.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.AT_RISK_PER_HOST), Serdes.String(),
                new JsonSerde<>(HostAtRisk.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.ADVICE_LIFECYCLES), Serdes.String(),
                new JsonSerde<>(AdviceLifecycle.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.LATEST_GUEST_STATE_PER_VM), Serdes.String(),
                serdes.guestStates()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.persistentKeyValueStore(StoreNames.ADVICE_OUTCOME_PER_VM), Serdes.String(),
                serdes.adviceOutcomes()));
    }
}
