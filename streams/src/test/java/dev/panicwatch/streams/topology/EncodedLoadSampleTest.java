package dev.panicwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.kafka.registry.WireFormat;

class EncodedLoadSampleTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final PanicwatchSerdes serdes = PanicwatchSerdes.withClient(registry, InMemorySchemaRegistry.SETTINGS);
    private final Serde<EncodedLoadSample> encoded = serdes.encodedLoadSamples();
    private final HostLoadSample sample = Scenario.load("vm-1", "pve1", Instant.parse("2026-11-26T03:00:00Z"), 8,
            12.5, 0.25, 40.0);

    @Test
    void storesTheBytesASampleArrivedInAndReadsThemBack() {
        byte[] onTopic = serdes.loadSamples().serializer().serialize(Topics.HOST_LOAD, sample);

        EncodedLoadSample read = encoded.deserializer().deserialize(Topics.HOST_LOAD, onTopic);
        byte[] stored = encoded.serializer().serialize("recent-load-per-vm-changelog", read);

        assertThat(read.sample()).isEqualTo(sample);
        assertThat(stored).isSameAs(onTopic);
        assertThat(encoded.deserializer().deserialize("recent-load-per-vm-changelog", stored).sample())
                .isEqualTo(sample);
    }

    @Test
    void aSampleOfANewerSchemaVersionIsStoredAsSentAndReadWithOurs() throws IOException {
        // A newer collector adds an optional field; its records carry that schema's id.
        Schema ours = HostLoadSample.getClassSchema();
        List<Schema.Field> fields = new ArrayList<>();
        ours.getFields().forEach(f -> fields.add(new Schema.Field(f, f.schema())));
        fields.add(new Schema.Field("stealPercent",
                Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(Schema.Type.DOUBLE)), "steal",
                Schema.Field.NULL_DEFAULT_VALUE));
        Schema newer = Schema.createRecord(ours.getName(), ours.getDoc(), ours.getNamespace(), false, fields);
        int newerId = registry.register(Topics.HOST_LOAD + "-value", newer);
        GenericRecord record = new GenericData.Record(newer);
        ours.getFields().forEach(f -> record.put(f.name(), sample.get(f.pos())));
        record.put("sampleTime", sample.getSampleTime().toEpochMilli());
        record.put("stealPercent", 3.5);
        byte[] onTopic = frame(newerId, newer, record);

        EncodedLoadSample read = encoded.deserializer().deserialize(Topics.HOST_LOAD, onTopic);
        byte[] stored = encoded.serializer().serialize("recent-load-per-vm-changelog", read);

        assertThat(read.sample()).isEqualTo(sample);
        assertThat(ByteBuffer.wrap(stored, 1, 4).getInt()).as("schema id kept in the store").isEqualTo(newerId);
        assertThat(encoded.deserializer().deserialize("recent-load-per-vm-changelog", stored).sample())
                .isEqualTo(sample);
    }

    @Test
    void aTombstoneStaysNull() {
        assertThat(encoded.deserializer().deserialize(Topics.HOST_LOAD, null)).isNull();
        assertThat(encoded.serializer().serialize(Topics.HOST_LOAD, null)).isNull();
    }

    private static byte[] frame(int schemaId, Schema schema, GenericRecord record) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(body, null);
        new GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        ByteBuffer header = WireFormat.header(schemaId, body.size());
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        all.write(header.array(), 0, WireFormat.HEADER_BYTES);
        body.writeTo(all);
        return all.toByteArray();
    }
}
