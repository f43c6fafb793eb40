package dev.panicwatch.streams.topology;

import java.util.Objects;

import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * A load sample together with the registry-framed bytes it arrived in. Every sample is stored (and changelogged) as
 * it is read; keeping the bytes it came in lets the store write them as they are instead of encoding the decoded
 * sample again, which was a seventh of the stream thread's time per sample (docs/performance.md). The bytes are
 * Confluent wire format with the producer's schema id, so reading them back resolves the producer's schema version to
 * ours exactly as reading the topic does.
 *
 * @param sample the decoded sample
 * @param wire   its bytes on the topic (magic byte, schema id, Avro body); never modified
 */
public record EncodedLoadSample(HostLoadSample sample, byte[] wire) {

    public EncodedLoadSample {
        Objects.requireNonNull(sample, "sample");
        Objects.requireNonNull(wire, "wire");
    }

    /**
     * The serde of the {@code host-load} topic and the load store: decoding keeps the bytes, encoding returns them.
     *
     * @param avro the sample's Avro serde, which decodes (and, for tombstones, yields null)
     */
    public static Serde<EncodedLoadSample> serde(Serde<HostLoadSample> avro) {
        Deserializer<HostLoadSample> decoder = avro.deserializer();
        Serializer<EncodedLoadSample> serializer = (topic, encoded) -> encoded == null ? null : encoded.wire();
        Deserializer<EncodedLoadSample> deserializer = (topic, bytes) -> {
            HostLoadSample sample = decoder.deserialize(topic, bytes);
            return sample == null ? null : new EncodedLoadSample(sample, bytes);
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
