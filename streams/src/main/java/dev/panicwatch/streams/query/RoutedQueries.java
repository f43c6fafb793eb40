package dev.panicwatch.streams.query;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.streams.state.HostInfo;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.topology.StoreNames;

/**
 * Answers any query on any instance: a key this instance owns is read from its own stores, any other key is
 * forwarded to its owner (once: a forwarded request that lands on a non-owner during a rebalance gets 503, never a
 * ping-pong); top-N asks every instance for its share and merges. Answers are Jackson-ready objects; forwarded
 * answers are relayed as the owner gave them.
 */
final class RoutedQueries {

    static final String FORWARDED = "forwarded";
    static final String LOCAL = "local";

    private final StreamsInstances instances;
    private final LocalStateQueries local;
    private final PeerClient peers;
    private final ObjectMapper json;
    private final Clock clock;

    RoutedQueries(StreamsInstances instances, LocalStateQueries local, PeerClient peers, ObjectMapper json,
                  Clock clock) {
        this.instances = instances;
        this.local = local;
        this.peers = peers;
        this.json = json;
        this.clock = clock;
    }

    private Instant now() {
        return clock.instant();
    }

    Object vmRate(String vm, TimeRange requested, boolean forwarded) {
        StreamsInstances.Owner owner = owner(StoreNames.PANIC_COUNTS_PER_VM, vm, forwarded);
        if (owner.local()) {
            return local.vmRate(vm, requested.coveredByWindows(local.windowSize(), now()), owner.partition());
        }
        return peers.get(owner.host(), "/api/v1/panic-rate", rangeParameters("vm", vm, requested));
    }

    Object hostRate(String host, TimeRange requested, boolean forwarded) {
        StreamsInstances.Owner owner = owner(StoreNames.PANIC_COUNTS_PER_HOST, host, forwarded);
        if (owner.local()) {
            return local.hostRate(host, requested.coveredByWindows(local.windowSize(), now()), owner.partition());
        }
        return peers.get(owner.host(), "/api/v1/panic-rate", rangeParameters("host", host, requested));
    }

    Object remediation(String vm, boolean forwarded) {
        StreamsInstances.Owner owner = owner(StoreNames.LATEST_REMEDIATION_PER_VM, vm, forwarded);
        if (owner.local()) {
            return local.remediation(vm, owner.partition());
        }
        return peers.get(owner.host(), "/api/v1/remediation", Map.of("vm", vm, FORWARDED, "true"));
    }

    Object adviceOutcome(String vm, boolean forwarded) {
        StreamsInstances.Owner owner = owner(StoreNames.ADVICE_OUTCOME_PER_VM, vm, forwarded);
        if (owner.local()) {
            return local.adviceOutcome(vm, owner.partition());
        }
        return peers.get(owner.host(), "/api/v1/advice-outcome", Map.of("vm", vm, FORWARDED, "true"));
    }

    Object guestState(String vm, boolean forwarded) {
        StreamsInstances.Owner owner = owner(StoreNames.LATEST_GUEST_STATE_PER_VM, vm, forwarded);
        if (owner.local()) {
            return local.guestState(vm, owner.partition());
        }
        return peers.get(owner.host(), "/api/v1/guest-state", Map.of("vm", vm, FORWARDED, "true"));
    }

    /** Keyed by host (the peer warning's partitioning), so forwarded to the host's owner like a host's rate. */
    Object atRisk(String host, boolean forwarded) {
        StreamsInstances.Owner owner = owner(StoreNames.AT_RISK_PER_HOST, host, forwarded);
        if (owner.local()) {
            return local.atRisk(host, owner.partition());
        }
        return peers.get(owner.host(), "/api/v1/at-risk", Map.of("host", host, FORWARDED, "true"));
    }

    /** This instance's share of the outcomes (for a coordinating peer). */
    Answers.Outcomes localOutcomes(String host, AdviceOutcomeStatus status) {
        return local.localOutcomes(host, status, instances.localPartitions(Topics.PANIC_REPORTS));
    }

    /** The outcomes of every instance, merged by VM id; 503 unless the shares cover every partition exactly once. */
    Answers.Outcomes outcomes(String host, AdviceOutcomeStatus status) {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (host != null) {
            parameters.put("host", host);
        }
        if (status != null) {
            parameters.put("status", status.name());
        }
        parameters.put(LOCAL, "true");
        List<Answers.Outcomes> shares = shares(StoreNames.ADVICE_OUTCOME_PER_VM, "/api/v1/advice-outcomes",
                parameters, Answers.Outcomes.class, () -> localOutcomes(host, status), Answers.Outcomes::partitions);
        List<Map<String, Object>> all = new ArrayList<>();
        shares.forEach(share -> all.addAll(share.outcomes()));
        all.sort(java.util.Comparator.comparing(o -> String.valueOf(o.get("vmId"))));
        return new Answers.Outcomes(host, status == null ? null : status.name(), all, null);
    }

    Object load(String vm, TimeRange requested, boolean forwarded) {
        StreamsInstances.Owner owner = owner(StoreNames.RECENT_LOAD_PER_VM, vm, forwarded);
        if (owner.local()) {
            return local.load(vm, requested, now(), owner.partition());
        }
        return peers.get(owner.host(), "/api/v1/load", rangeParameters("vm", vm, requested));
    }

    /** This instance's share of the top N (for a coordinating peer). */
    Answers.TopRates localTop(TimeRange requested, int top) {
        List<Integer> partitions = instances.localPartitions(Topics.PANIC_REPORTS);
        return local.localTop(requested.coveredByWindows(local.windowSize(), now()), top, partitions);
    }

    /**
     * The top N across every instance. Fails with 503 unless the answers together cover every assigned partition
     * exactly once: an instance that lost or gained partitions mid-query would otherwise drop or double VMs.
     */
    Answers.TopRates top(TimeRange requested, int top) {
        TimeRange covered = requested.coveredByWindows(local.windowSize(), now());
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put("top", Integer.toString(top));
        parameters.put("from", requested.from().toString());
        parameters.put("to", requested.to().toString());
        parameters.put(LOCAL, "true");
        List<Answers.VmRate> candidates = new ArrayList<>();
        shares(StoreNames.PANIC_COUNTS_PER_VM, "/api/v1/panic-rates", parameters, Answers.TopRates.class,
                () -> localTop(requested, top), Answers.TopRates::partitions)
                .forEach(share -> candidates.addAll(share.vms()));
        // Rates are recomputed over this instance's covered range so every row uses one denominator.
        List<Answers.VmRate> rates = candidates.stream()
                .map(r -> r.withPerHour(covered.perHour(r.panics())))
                .toList();
        return new Answers.TopRates(covered.from().toString(), covered.to().toString(), top,
                LocalStateQueries.ranked(rates, top), null);
    }

    /**
     * Every instance's share of a fan-out query: this one's from {@code localShare}, the others' by asking them.
     * Fails with 503 unless the shares together cover every assigned partition exactly once: an instance that lost
     * or gained partitions mid-query would otherwise drop or double keys.
     */
    private <T> List<T> shares(String store, String path, Map<String, String> parameters, Class<T> type,
                               java.util.function.Supplier<T> localShare,
                               java.util.function.Function<T, List<Integer>> partitionsOf) {
        Set<Integer> expected = instances.assignedPartitions(store, Topics.PANIC_REPORTS);
        List<T> shares = new ArrayList<>();
        List<Integer> answered = new ArrayList<>();
        for (HostInfo instance : instances.instancesFor(store)) {
            T share;
            if (instance.equals(instances.self())) {
                share = localShare.get();
            } else {
                try {
                    share = json.treeToValue(peers.get(instance, path, parameters), type);
                } catch (JsonProcessingException e) {
                    throw new StoresUnavailableException("instance " + instance + " gave a " + path + " share that "
                            + "cannot be read: " + e.getOriginalMessage(), e);
                }
            }
            shares.add(share);
            answered.addAll(partitionsOf.apply(share));
        }
        Set<Integer> distinct = new HashSet<>(answered);
        if (distinct.size() != answered.size() || !distinct.equals(expected) || expected.isEmpty()) {
            throw new StoresUnavailableException("the instances' answers cover partitions " + new TreeSet<>(answered)
                    + " of " + Topics.PANIC_REPORTS + " but " + expected + " are assigned (rebalancing)");
        }
        return shares;
    }

    private StreamsInstances.Owner owner(String store, String key, boolean forwarded) {
        StreamsInstances.Owner owner = instances.ownerOf(store, key);
        if (forwarded && !owner.local()) {
            throw new StoresUnavailableException("this instance was asked as the owner of '" + key + "' in " + store
                    + " but " + owner.host() + " owns it now (rebalancing)");
        }
        return owner;
    }

    /** The resolved range travels as from/to, so the owner counts the same windows whatever its clock says. */
    private static Map<String, String> rangeParameters(String name, String id, TimeRange range) {
        Map<String, String> parameters = new LinkedHashMap<>();
        parameters.put(name, id);
        parameters.put("from", range.from().toString());
        parameters.put("to", range.to().toString());
        parameters.put(FORWARDED, "true");
        return parameters;
    }
}
