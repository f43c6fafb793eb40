package dev.panicwatch.streams.query;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.apache.avro.generic.IndexedRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.advice.OverloadThresholds;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.remediations.AvroJson;
import dev.panicwatch.streams.topology.EncodedLoadSample;
import dev.panicwatch.streams.topology.HostAtRisk;
import dev.panicwatch.streams.topology.LoadHistory;
import dev.panicwatch.streams.topology.LoadSummary;
import dev.panicwatch.streams.topology.PanicClassCounts;
import dev.panicwatch.streams.topology.StoreNames;

/**
 * Answers computed from this instance's own stores. Callers have already decided that the key lives here (and pass
 * its partition) or, for top-N, that this instance's share is wanted. Ranges are the covered ranges of
 * {@link TimeRange#coveredByWindows}.
 */
final class LocalStateQueries {

    private final LocalStores stores;
    private final Duration windowSize;
    private final Duration rawLoadRetention;
    private final Duration loadSummaryInterval;
    private final OverloadThresholds thresholds;

    LocalStateQueries(LocalStores stores, PipelineSettings settings) {
        this.stores = stores;
        this.windowSize = settings.rateWindow();
        this.rawLoadRetention = settings.rawLoadRetention();
        this.loadSummaryInterval = settings.loadSummaryInterval();
        this.thresholds = OverloadThresholds.from(settings);
    }

    Duration windowSize() {
        return windowSize;
    }

    /** A VM's rate; 404 when the VM has no panics, load or advice at all in the stores. */
    Answers.PanicRate vmRate(String vm, TimeRange covered, Integer partition) {
        List<Answers.WindowCount> series = windowCounts(vmCounts(partition), vm, covered);
        long panics = series.stream().mapToLong(Answers.WindowCount::panics).sum();
        if (panics == 0 && !vmKnown(vm, partition)) {
            throw unknownVm(vm);
        }
        Map<String, Long> byClass = new TreeMap<>();
        if (!covered.length().isZero()) {
            try (WindowStoreIterator<PanicClassCounts> it = classCounts(partition)
                    .fetch(vm, covered.from(), covered.lastMilli())) {
                it.forEachRemaining(kv -> kv.value.counts().forEach((c, n) -> byClass.merge(c, n, Long::sum)));
            }
        }
        return new Answers.PanicRate(vm, null, covered.from().toString(), covered.to().toString(),
                windowSize.toString(), panics, covered.perHour(panics), byClass, series);
    }

    /** A host's rate; 404 when the host has no panic counted within the retention. */
    Answers.PanicRate hostRate(String host, TimeRange covered, Integer partition) {
        ReadOnlyWindowStore<String, Long> store = stores.store(StoreNames.PANIC_COUNTS_PER_HOST,
                QueryableStoreTypes.windowStore(), partition);
        List<Answers.WindowCount> series = windowCounts(store, host, covered);
        long panics = series.stream().mapToLong(Answers.WindowCount::panics).sum();
        if (panics == 0 && !anyWindow(store, host)) {
            throw new UnknownSubjectException("unknown host '" + host + "': no panic of it is counted in the stores");
        }
        return new Answers.PanicRate(null, host, covered.from().toString(), covered.to().toString(),
                windowSize.toString(), panics, covered.perHour(panics), null, series);
    }

    /**
     * This instance's {@code top} VMs by panics in the range, reading each of {@code partitions} separately so the
     * answer says exactly which partitions it covers. Each VM lives in one partition, so the global top N is always
     * among the union of every instance's local top N.
     */
    Answers.TopRates localTop(TimeRange covered, int top, List<Integer> partitions) {
        Map<String, Long> panics = new HashMap<>();
        Map<String, Map<String, Long>> byClass = new HashMap<>();
        Map<String, Integer> partitionOf = new HashMap<>();
        if (!covered.length().isZero()) {
            for (Integer partition : partitions) {
                try (KeyValueIterator<Windowed<String>, Long> it = vmCounts(partition)
                        .fetchAll(covered.from(), covered.lastMilli())) {
                    it.forEachRemaining(kv -> {
                        panics.merge(kv.key.key(), kv.value, Long::sum);
                        partitionOf.put(kv.key.key(), partition);
                    });
                }
                try (KeyValueIterator<Windowed<String>, PanicClassCounts> it = classCounts(partition)
                        .fetchAll(covered.from(), covered.lastMilli())) {
                    it.forEachRemaining(kv -> kv.value.counts().forEach((c, n) -> byClass
                            .computeIfAbsent(kv.key.key(), k -> new TreeMap<>()).merge(c, n, Long::sum)));
                }
            }
        }
        List<Answers.VmRate> rates = new ArrayList<>();
        panics.forEach((vm, n) -> rates.add(new Answers.VmRate(vm, n, covered.perHour(n),
                byClass.getOrDefault(vm, Map.of()), null)));
        List<Answers.VmRate> withAdvice = ranked(rates, top).stream().map(rate -> {
            RemediationEvent latest = remediations(partitionOf.get(rate.vm())).get(rate.vm());
            return rate.withAdvice(latest == null ? null : AvroJson.of(latest));
        }).toList();
        return new Answers.TopRates(covered.from().toString(), covered.to().toString(), top, withAdvice, partitions);
    }

    /** Highest panics first, ties by VM id so every instance ranks the same way; at most {@code top}. */
    static List<Answers.VmRate> ranked(List<Answers.VmRate> rates, int top) {
        return rates.stream()
                .sorted(Comparator.comparingLong(Answers.VmRate::panics).reversed()
                        .thenComparing(Answers.VmRate::vm))
                .limit(top)
                .toList();
    }

    /** The VM's latest advice, by Avro field names. */
    Map<String, Object> remediation(String vm, Integer partition) {
        return latest(remediations(partition), vm, partition, "has no remediation yet (its panics so far needed no "
                + "advice, or the advice is still waiting for load data)");
    }

    /** The VM's current advice outcome (its latest transition), by Avro field names (docs/design.md#advice-outcome). */
    Map<String, Object> adviceOutcome(String vm, Integer partition) {
        return latest(outcomes(partition), vm, partition, "has no advice outcome: none of its advice so far "
                + "changed boot-args");
    }

    /** The VM's record in {@code store}; 404 saying {@code missing} for a known VM without one, else unknown VM. */
    private Map<String, Object> latest(ReadOnlyKeyValueStore<String, ? extends IndexedRecord> store, String vm,
                                       Integer partition, String missing) {
        IndexedRecord record = store.get(vm);
        if (record == null) {
            if (vmKnown(vm, partition)) {
                throw new UnknownSubjectException("VM '" + vm + "' " + missing);
            }
            throw unknownVm(vm);
        }
        return AvroJson.of(record);
    }

    /** What the VM was last seen running (the guest state with the latest observedTime), by Avro field names. */
    Map<String, Object> guestState(String vm, Integer partition) {
        GuestState state = guestStates(partition).get(vm);
        if (state == null) {
            throw new UnknownSubjectException("VM '" + vm + "' has no guest state: neither its agent nor a panic "
                    + "report with boot-args reported what it runs");
        }
        return AvroJson.of(state);
    }

    /**
     * The guests of {@code host} advised to raise their vti there and the peers each advice warned or named "unknown
     * vti" (docs/design.md#preventive-advice); no advice yet (or an unknown host) is an empty list, not an error.
     */
    HostAtRisk atRisk(String host, Integer partition) {
        HostAtRisk kept = stores.store(StoreNames.AT_RISK_PER_HOST,
                QueryableStoreTypes.<String, HostAtRisk>keyValueStore(), partition).get(host);
        return kept == null ? HostAtRisk.none(host) : kept;
    }

    /**
     * This instance's current outcomes on {@code partitions}, filtered by host and status when given (null: any),
     * ordered by VM id.
     */
    Answers.Outcomes localOutcomes(String host, AdviceOutcomeStatus status, List<Integer> partitions) {
        List<Map<String, Object>> matching = new ArrayList<>();
        try (KeyValueIterator<String, AdviceOutcome> all = outcomes(null).all()) {
            all.forEachRemaining(kv -> {
                AdviceOutcome o = kv.value;
                if ((host == null || host.equals(o.getHostId())) && (status == null || status == o.getStatus())) {
                    matching.add(AvroJson.of(o));
                }
            });
        }
        matching.sort(Comparator.comparing(o -> String.valueOf(o.get("vmId"))));
        return new Answers.Outcomes(host, status == null ? null : status.name(), matching, partitions);
    }

    /**
     * The VM's load in the range: its raw samples when the range starts within the raw window (not window-aligned:
     * samples are points in time), else its summaries per interval.
     */
    Answers.LoadSeries load(String vm, TimeRange range, Instant now, Integer partition) {
        LoadHistory history = loadHistory(partition);
        long from = range.from().toEpochMilli();
        long to = range.lastMilli().toEpochMilli();
        Answers.LoadSeries answer;
        if (!range.from().isBefore(now.minus(rawLoadRetention))) {
            List<Map<String, Object>> samples = new ArrayList<>();
            history.samples(vm, from, to).forEach(s -> samples.add(AvroJson.of(s)));
            answer = new Answers.LoadSeries(vm, range.from().toString(), range.to().toString(), LoadHistory.RAW,
                    samples, null);
        } else {
            List<Answers.LoadInterval> summaries = new ArrayList<>();
            history.summaries(vm, from, to).forEach(l -> summaries.add(new Answers.LoadInterval(
                    Instant.ofEpochMilli(l.startMillis()).toString(), Instant.ofEpochMilli(l.endMillis()).toString(),
                    l.hostId(), l.samples(), l.overloadedSamples(), l.peakLoadPerCpu(), l.worstVcpuWait(),
                    l.peakCpuPressure(), Instant.ofEpochMilli(l.latestSampleMillis()).toString())));
            answer = new Answers.LoadSeries(vm, range.from().toString(), range.to().toString(),
                    loadSummaryInterval.toString(), null, summaries);
        }
        boolean empty = answer.samples() != null ? answer.samples().isEmpty() : answer.summaries().isEmpty();
        if (empty && !vmKnown(vm, partition)) {
            throw unknownVm(vm);
        }
        return answer;
    }

    private boolean vmKnown(String vm, Integer partition) {
        return anyWindow(vmCounts(partition), vm) || remediations(partition).get(vm) != null
                || loadHistory(partition).knows(vm);
    }

    private static <V> boolean anyWindow(ReadOnlyWindowStore<String, V> store, String key) {
        try (WindowStoreIterator<V> it = store.fetch(key, Instant.EPOCH, Instant.ofEpochMilli(Long.MAX_VALUE / 2))) {
            return it.hasNext();
        }
    }

    private List<Answers.WindowCount> windowCounts(ReadOnlyWindowStore<String, Long> store, String key,
                                                   TimeRange covered) {
        List<Answers.WindowCount> series = new ArrayList<>();
        if (covered.length().isZero()) {
            return series;
        }
        try (WindowStoreIterator<Long> it = store.fetch(key, covered.from(), covered.lastMilli())) {
            while (it.hasNext()) {
                KeyValue<Long, Long> window = it.next();
                if (window.value != null && window.value > 0) {
                    series.add(new Answers.WindowCount(Instant.ofEpochMilli(window.key).toString(), window.value));
                }
            }
        }
        return series;
    }

    private static UnknownSubjectException unknownVm(String vm) {
        return new UnknownSubjectException("unknown VM '" + vm + "': no panics, load samples or advice of it in "
                + "the stores");
    }

    private ReadOnlyWindowStore<String, Long> vmCounts(Integer partition) {
        return stores.store(StoreNames.PANIC_COUNTS_PER_VM, QueryableStoreTypes.windowStore(), partition);
    }

    private ReadOnlyWindowStore<String, PanicClassCounts> classCounts(Integer partition) {
        return stores.store(StoreNames.PANIC_COUNTS_PER_VM_BY_CLASS, QueryableStoreTypes.windowStore(), partition);
    }

    private ReadOnlyKeyValueStore<String, RemediationEvent> remediations(Integer partition) {
        return stores.store(StoreNames.LATEST_REMEDIATION_PER_VM, QueryableStoreTypes.keyValueStore(), partition);
    }

    private ReadOnlyKeyValueStore<String, AdviceOutcome> outcomes(Integer partition) {
        return stores.store(StoreNames.ADVICE_OUTCOME_PER_VM, QueryableStoreTypes.keyValueStore(), partition);
    }

    private ReadOnlyKeyValueStore<String, GuestState> guestStates(Integer partition) {
        return stores.store(StoreNames.LATEST_GUEST_STATE_PER_VM, QueryableStoreTypes.keyValueStore(), partition);
    }

    private LoadHistory loadHistory(Integer partition) {
        ReadOnlyWindowStore<String, EncodedLoadSample> raw = stores.store(StoreNames.RECENT_LOAD_PER_VM,
                QueryableStoreTypes.windowStore(), partition);
        ReadOnlyWindowStore<String, LoadSummary> summaries = stores.store(StoreNames.LOAD_SUMMARY_PER_VM,
                QueryableStoreTypes.windowStore(), partition);
        return new LoadHistory(raw, summaries, loadSummaryInterval.toMillis(), thresholds);
    }
}
