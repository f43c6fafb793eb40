package dev.panicwatch.streams.query;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.ThreadMetadata;
import org.apache.kafka.streams.TaskMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreType;

/**
 * What Kafka Streams knows about the instances of this application: who owns which key (from
 * {@code application.server} of each instance), and this instance's own stores.
 */
final class StreamsInstances implements LocalStores {

    /** Where a key's active store lives. */
    record Owner(HostInfo host, int partition, boolean local) {
    }

    private final KafkaStreams streams;
    private final HostInfo self;

    StreamsInstances(KafkaStreams streams, HostInfo self) {
        this.streams = streams;
        this.self = self;
    }

    HostInfo self() {
        return self;
    }

    KafkaStreams.State state() {
        return streams.state();
    }

    /** Throws 503 unless RUNNING: while starting, rebalancing or restoring, metadata and stores may be stale. */
    void requireRunning() {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            throw new StoresUnavailableException("the streams app is " + state + "; its stores cannot answer "
                    + "reliably until it is RUNNING");
        }
    }

    Owner ownerOf(String store, String key) {
        requireRunning();
        KeyQueryMetadata metadata = streams.queryMetadataForKey(store, key, Serdes.String().serializer());
        if (metadata == null || metadata.equals(KeyQueryMetadata.NOT_AVAILABLE) || metadata.activeHost() == null) {
            throw new StoresUnavailableException("no instance owns store " + store + " for key '" + key
                    + "' right now (rebalancing)");
        }
        HostInfo host = metadata.activeHost();
        return new Owner(host, metadata.partition(), host.equals(self));
    }

    /** Every instance with an active part of {@code store}. */
    List<HostInfo> instancesFor(String store) {
        requireRunning();
        List<HostInfo> hosts = new ArrayList<>();
        for (StreamsMetadata metadata : streams.streamsMetadataForStore(store)) {
            hosts.add(metadata.hostInfo());
        }
        return hosts;
    }

    /** Partitions of {@code topic} assigned (active) to any instance that has {@code store}. */
    Set<Integer> assignedPartitions(String store, String topic) {
        Set<Integer> partitions = new TreeSet<>();
        Collection<StreamsMetadata> all = streams.streamsMetadataForStore(store);
        for (StreamsMetadata metadata : all) {
            for (TopicPartition tp : metadata.topicPartitions()) {
                if (tp.topic().equals(topic)) {
                    partitions.add(tp.partition());
                }
            }
        }
        return partitions;
    }

    /** Partitions of {@code topic} whose tasks are active on this instance. */
    List<Integer> localPartitions(String topic) {
        requireRunning();
        Set<Integer> partitions = new TreeSet<>();
        for (ThreadMetadata thread : streams.metadataForLocalThreads()) {
            for (TaskMetadata task : thread.activeTasks()) {
                for (TopicPartition tp : task.topicPartitions()) {
                    if (tp.topic().equals(topic)) {
                        partitions.add(tp.partition());
                    }
                }
            }
        }
        return List.copyOf(partitions);
    }

    @Override
    public <T> T store(String name, QueryableStoreType<T> type, Integer partition) {
        requireRunning();
        StoreQueryParameters<T> parameters = StoreQueryParameters.fromNameAndType(name, type);
        if (partition != null) {
            parameters = parameters.withPartition(partition);
        }
        try {
            return streams.store(parameters);
        } catch (InvalidStateStoreException e) {
            throw new StoresUnavailableException("store " + name + (partition == null ? "" : " partition " + partition)
                    + " is not queryable here right now (" + e.getMessage() + ")", e);
        }
    }
}
