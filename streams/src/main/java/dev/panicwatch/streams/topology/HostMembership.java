package dev.panicwatch.streams.topology;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * Tells the peer warning which VMs run on which host (docs/design.md#preventive-advice), re-keyed by host: a VM's
 * first sample on a host, then one every {@link #ANNOUNCE_EVERY_MS} of sample time. Not every sample: the host-keyed
 * side would otherwise repartition the whole host-load stream. What was announced is remembered in memory only; after
 * a restart a VM is announced again at its next sample, which repeats a fact and costs one record.
 */
final class HostMembership implements Processor<String, EncodedLoadSample, String, HostEvent> {

    /** A third of {@link PeerWarning#PRESENT_WITHIN_MS}, so a VM that keeps sending is always present. */
    static final long ANNOUNCE_EVERY_MS = 10 * 60 * 1000L;

    private final Map<String, Announced> announced = new HashMap<>();
    private ProcessorContext<String, HostEvent> context;

    private record Announced(String hostId, long atMillis) {
    }

    @Override
    public void init(ProcessorContext<String, HostEvent> context) {
        this.context = context;
    }

    @Override
    public void process(Record<String, EncodedLoadSample> record) {
        HostLoadSample sample = record.value().sample();
        String host = sample.getHostId();
        if (host == null || host.isBlank()) {
            return;
        }
        long at = sample.getSampleTime().toEpochMilli();
        Announced last = announced.get(record.key());
        if (last != null && last.hostId().equals(host) && at >= last.atMillis() && at - last.atMillis() < ANNOUNCE_EVERY_MS) {
            return;
        }
        announced.put(record.key(), new Announced(host, at));
        context.forward(new Record<>(host, new HostEvent(HostEvent.SEEN, record.key(), host, at, null, null, null,
                null, null), record.timestamp()));
    }
}
