package dev.panicwatch.streams.topology;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.diagnosis.kernel.EffectiveTimeout;
import dev.panicwatch.diagnosis.kernel.VtiCap;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.advice.GuestObservation;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.metrics.PipelineObserver;

/**
 * docs/design.md#preventive-advice, per host: when a VM of an overloaded host is advised RAISE_VTI, every other guest
 * of that host whose latest guest state shows a lower vti gets a RAISE_VTI_PREVENTIVE remediation with the peer's
 * panic and the shared load as evidence, at most once per cooldown (by advice time, so a replay gives the same
 * events). Guests seen on the host without a guest state from before the advice are named as "unknown vti", never
 * advised blindly; a guest whose own panic report is its latest observation within the cooldown is left to its own
 * advice.
 */
final class PeerWarning implements Processor<String, HostEvent, String, RemediationEvent> {

    private static final Logger LOG = LoggerFactory.getLogger(PeerWarning.class);
    /** A guest counts as on the host when it was seen there within this long before the advice. */
    static final long PRESENT_WITHIN_MS = 30 * 60 * 1000L;

    private final PipelineSettings settings;
    private final VtiCap caps;
    private ProcessorContext<String, RemediationEvent> context;
    /**
     * One entry per guest, keyed {@code host NUL vm}: a sighting rewrites that guest only. One entry per host with all
     * its guests was rewritten (and sent to the changelog) whole at every sighting, which halved the pipeline's
     * throughput at a few hundred guests per host; the advice reads a host's guests with one prefix scan instead.
     */
    private KeyValueStore<String, HostGuests.Guest> hosts;
    private KeyValueStore<String, HostAtRisk> atRisk;

    private final PipelineObserver observer;

    PeerWarning(PipelineSettings settings, PipelineObserver observer) {
        this.settings = settings;
        this.observer = observer;
        this.caps = settings.vtiCap();
    }

    @Override
    public void init(ProcessorContext<String, RemediationEvent> context) {
        this.context = context;
        this.hosts = context.getStateStore(StoreNames.GUESTS_PER_HOST);
        this.atRisk = context.getStateStore(StoreNames.AT_RISK_PER_HOST);
    }

    @Override
    public void process(Record<String, HostEvent> record) {
        HostEvent event = record.value();
        String host = record.key();
        switch (event.kind()) {
            case HostEvent.SEEN -> {
                HostGuests.Guest guest = hosts.get(guestKey(host, event.vmId()));
                hosts.put(guestKey(host, event.vmId()), guest == null
                        ? HostGuests.Guest.seenAt(event.timeMillis()) : guest.seen(event.timeMillis()));
            }
            case HostEvent.OBSERVED -> {
                HostGuests.Guest guest = hosts.get(guestKey(host, event.vmId()));
                hosts.put(guestKey(host, event.vmId()),
                        (guest == null ? HostGuests.Guest.seenAt(event.timeMillis()) : guest).observed(
                                new GuestObservation(event.timeMillis(), event.vti(), null, event.bootArgs(), null,
                                        event.xnuVersion(), event.source())));
            }
            case HostEvent.ADVISED -> {
                Map<String, HostGuests.Guest> guests = guestsOf(host);
                Map<String, HostGuests.Guest> before = new HashMap<>(guests);
                warnPeers(host, event, guests);
                guests.forEach((vm, g) -> {
                    if (!g.equals(before.get(vm))) {
                        hosts.put(guestKey(host, vm), g);
                    }
                });
            }
            default -> LOG.warn("host event of unknown kind '{}' for VM {} ignored", event.kind(), event.vmId());
        }
    }

    private static String guestKey(String host, String vm) {
        return host + '\u0000' + vm;
    }

    /**
     * The host's guests, by vmId. Guests gone for longer than the load retention before the host's newest sighting
     * (migrated away, deleted) are forgotten here, when an advice on that host reads them.
     */
    private Map<String, HostGuests.Guest> guestsOf(String host) {
        String prefix = guestKey(host, "");
        Map<String, HostGuests.Guest> guests = new HashMap<>();
        try (KeyValueIterator<String, HostGuests.Guest> all = hosts.prefixScan(prefix, new StringSerializer())) {
            while (all.hasNext()) {
                KeyValue<String, HostGuests.Guest> entry = all.next();
                guests.put(entry.key.substring(prefix.length()), entry.value);
            }
        }
        long newest = guests.values().stream().mapToLong(HostGuests.Guest::lastSeenMillis).max().orElse(0);
        guests.entrySet().removeIf(e -> {
            boolean gone = e.getValue().lastSeenMillis() < newest - settings.loadRetention().toMillis();
            if (gone) {
                hosts.delete(guestKey(host, e.getKey()));
            }
            return gone;
        });
        return new HostGuests(guests).guests();
    }

    private void warnPeers(String host, HostEvent event, Map<String, HostGuests.Guest> guests) {
        RemediationEvent advice;
        try {
            advice = RemediationEvent.fromByteBuffer(ByteBuffer.wrap(event.remediation()));
        } catch (java.io.IOException | RuntimeException e) {
            LOG.warn("advice for VM {} on host {} cannot be read; its peers are not warned", event.vmId(), host, e);
            return;
        }
        long at = event.timeMillis();
        int suggested = advice.getSuggestedVti();
        List<String> unknown = new ArrayList<>();
        List<String> atRiskPeers = new ArrayList<>();
        // Everything is judged as of the advice's time, not as of what happened to be read first, so a replay gives
        // the same warnings however fast it runs.
        guests.forEach((vm, g) -> {
            if (vm.equals(event.vmId()) || g.firstSeenMillis() > at || g.lastSeenMillis() < at - PRESENT_WITHIN_MS) {
                return;
            }
            GuestObservation o = g.asOf(at);
            if (o == null) {
                unknown.add(vm);
            } else if (GuestObservation.PANIC_REPORT.equals(o.source()) && at - o.observedMillis() < settings.cooldown().toMillis()) {
                LOG.debug("VM {} panicked itself {} ms before {}'s advice; its own advice covers it", vm,
                        at - o.observedMillis(), event.vmId());
            } else if (o.vti() < Math.min(suggested, caps.forKernel(o.xnuVersion()))) {
                atRiskPeers.add(vm);
            }
        });
        List<HostAtRisk.Peer> warned = new ArrayList<>();
        for (String vm : atRiskPeers) {
            HostGuests.Guest g = guests.get(vm);
            if (g.lastWarnedMillis() != null && at - g.lastWarnedMillis() < settings.cooldown().toMillis()
                    && at >= g.lastWarnedMillis()) {
                LOG.info("VM {} on host {} was warned within the cooldown; not again for {}'s advice", vm, host,
                        event.vmId());
                continue;
            }
            GuestObservation o = g.asOf(at);
            RemediationEvent warning = warning(vm, o, advice, Math.min(suggested, caps.forKernel(o.xnuVersion())),
                    unknown);
            guests.put(vm, g.warnedAt(at));
            LOG.info("VM {} on host {}: RAISE_VTI_PREVENTIVE vti {} -> {} after {}'s panic", vm, host, o.vti(),
                    warning.getSuggestedVti(), event.vmId());
            context.forward(new Record<>(vm, warning, context.currentSystemTimeMs()));
            observer.remediationPublished(warning.getActions());
            warned.add(new HostAtRisk.Peer(vm, o.vti(), warning.getSuggestedVti(), warning.getRemediationId()));
        }
        HostAtRisk kept = atRisk.get(host);
        atRisk.put(host, (kept == null ? HostAtRisk.none(host) : kept).with(new HostAtRisk.Advice(event.vmId(),
                advice.getRemediationId(), Instant.ofEpochMilli(at).toString(), suggested, warned, unknown),
                guests.keySet()));
        if (atRiskPeers.isEmpty() && !unknown.isEmpty()) {
            LOG.info("host {}: {} was advised vti {}; guests with unknown vti (no guest state): {}", host,
                    event.vmId(), suggested, unknown);
        }
    }

    private RemediationEvent warning(String vm, GuestObservation guest, RemediationEvent peer, int vti,
                                     List<String> unknown) {
        String bootArgs = BootArgs.withVti(guest.bootArgs(), vti, false);
        long before = EffectiveTimeout.millis(guest.vti());
        long after = EffectiveTimeout.millis(vti);
        String rationale = String.format(Locale.ROOT,
                "%s on the same host %s had a %s panic (report %s) and was advised vti=%d; the host was overloaded (peak "
                        + "load/CPU %s over %d samples). This guest runs vti=%d (timeout %s) and has not panicked "
                        + "yet: raise it to vti=%d (timeout %s) with boot-args '%s' before it does, and relieve the "
                        + "host.%s",
                peer.getVmId(), peer.getHostId(), peer.getPanicClass(), String.join(", ", peer.getTriggeringReportIds()),
                peer.getSuggestedVti(),
                peer.getEvidence().getPeakLoadPerCpu() == null ? "n/a"
                        : String.format(Locale.ROOT, "%.2f", peer.getEvidence().getPeakLoadPerCpu()),
                peer.getEvidence().getSamples(), guest.vti(), EffectiveTimeout.format(before), vti,
                EffectiveTimeout.format(after), bootArgs,
                unknown.isEmpty() ? "" : " Guests of this host with unknown vti (no guest state, not advised): "
                        + String.join(", ", unknown) + ".");
        return RemediationEvent.newBuilder(peer)
                .setRemediationId(RemediationEvents.remediationId(vm, "preventive:" + peer.getRemediationId()))
                .setVmId(vm)
                // None of its own: this guest has not panicked (what notify's AdviceFilter calls preventive); the
                // peer's reports are named in the rationale, the shared load is the evidence.
                .setTriggeringReportIds(List.of())
                .setCreatedTime(Instant.ofEpochMilli(context.currentSystemTimeMs()))
                .setPanicsInWindow(0)
                .setXnuVersion(guest.xnuVersion())
                .setCurrentVti(guest.vti())
                .setSuggestedVti(vti)
                .setSuggestedBootArgs(bootArgs)
                .setEffectiveTimeoutBeforeMillis(before)
                .setEffectiveTimeoutAfterMillis(after)
                .setActions(List.of(RemediationAction.RAISE_VTI_PREVENTIVE, RemediationAction.REDUCE_HOST_LOAD))
                .setRationale(rationale)
                .build();
    }
}
