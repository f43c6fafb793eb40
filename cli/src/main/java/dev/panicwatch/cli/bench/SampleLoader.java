package dev.panicwatch.cli.bench;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;

import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.Topics;

/**
 * Puts the fleet's samples on {@code host-load} as fast as a plain producer can: values serialized to the registry's
 * wire format up front, keys as UTF-8 vmIds, large batches. Rounds are produced oldest first, all VMs per round, as
 * a fleet of collectors would send them, so stream time advances steadily. With a {@link GuestStatePlan} that is on,
 * the agents' guest states go to {@code guest-state} in the same order, each VM's just before its sample of a
 * reporting round.
 */
final class SampleLoader {

    /**
     * What was produced: the samples and their mean key + value size (the record size the baseline tools then use),
     * and the guest states.
     */
    record Loaded(long records, int meanRecordBytes, long guestStates) {
    }

    private final String bootstrapServers;

    SampleLoader(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
    }

    Loaded load(BenchFleet fleet, Serializer<HostLoadSample> serializer, Consumer<String> progress) {
        return load(fleet, serializer, GuestStatePlan.OFF, null, progress);
    }

    /** @param guestStateSerializer used only when {@code plan} is on */
    Loaded load(BenchFleet fleet, Serializer<HostLoadSample> serializer, GuestStatePlan plan,
                Serializer<GuestState> guestStateSerializer, Consumer<String> progress) {
        Map<String, Object> config = new HashMap<>(KafkaPerfBaseline.BULK_PRODUCER);
        config.put("bootstrap.servers", bootstrapServers);
        config.put("client.id", "panicwatch-bench-loader");
        long bytes = 0;
        long records = 0;
        long guestStates = 0;
        long lastReport = System.nanoTime();
        AtomicReference<Exception> failure = new AtomicReference<>();
        Callback onFailure = (md, e) -> {
            if (e != null) {
                failure.compareAndSet(null, e);
            }
        };
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(config, new ByteArraySerializer(),
                new ByteArraySerializer())) {
            for (int round = 0; round < fleet.samplesPerVm(); round++) {
                for (int vm = 0; vm < fleet.vms(); vm++) {
                    if (plan.reportsAt(round)) {
                        GuestState state = fleet.guestState(vm, round);
                        producer.send(new ProducerRecord<>(Topics.GUEST_STATE, null,
                                state.getObservedTime().toEpochMilli(), fleet.vmId(vm).getBytes(StandardCharsets.UTF_8),
                                guestStateSerializer.serialize(Topics.GUEST_STATE, state)), onFailure);
                        guestStates++;
                    }
                    HostLoadSample sample = fleet.sample(vm, round);
                    byte[] key = fleet.vmId(vm).getBytes(StandardCharsets.UTF_8);
                    byte[] value = serializer.serialize(Topics.HOST_LOAD, sample);
                    producer.send(new ProducerRecord<>(Topics.HOST_LOAD, null, sample.getSampleTime().toEpochMilli(),
                            key, value), onFailure);
                    bytes += key.length + value.length;
                    records++;
                }
                // By the clock, not by rounds: a day of history is thousands of rounds, a long preload still
                // reports every few seconds.
                if (System.nanoTime() - lastReport > 5_000_000_000L) {
                    progress.accept("produced " + records + " of " + fleet.samples() + " samples");
                    lastReport = System.nanoTime();
                }
            }
            producer.flush(); // returns when every record is acknowledged or failed
        }
        if (failure.get() != null) {
            throw new IllegalStateException("could not produce every load sample and guest state: "
                    + failure.get().getMessage(), failure.get());
        }
        return new Loaded(records, (int) Math.round((double) bytes / records), guestStates);
    }
}
