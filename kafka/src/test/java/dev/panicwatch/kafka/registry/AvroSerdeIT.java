package dev.panicwatch.kafka.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/** The serde against the real Apicurio Registry's Confluent-compatible API. */
@IntegrationTest
class AvroSerdeIT {

    private final StackEndpoints stack;

    AvroSerdeIT(StackEndpoints stack) {
        this.stack = stack;
    }

    private static String topic() {
        return "t-" + UUID.randomUUID();
    }

    @Test
    void roundTripWithOneRegistryCallPerSchemaHoweverManyRecords() {
        String topic = topic();
        AvroSerde<PanicReport> writer = AvroSerde.forType(PanicReport.class, stack.clientConfig());
        AvroSerde<PanicReport> reader = AvroSerde.forType(PanicReport.class, stack.clientConfig());
        List<byte[]> written = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            written.add(writer.serializer().serialize(topic, SampleRecords.panicReport("pve1/" + i)));
        }
        for (int i = 0; i < 200; i++) {
            assertThat(reader.deserializer().deserialize(topic, written.get(i)).getVmId()).isEqualTo("pve1/" + i);
        }
        assertThat(writer.client().httpCalls()).as("one register call for 200 records").isEqualTo(1);
        assertThat(reader.client().httpCalls()).as("one id lookup for 200 records").isEqualTo(1);

        // The header carries the id the registry gave the subject <topic>-value.
        int id = ByteBuffer.wrap(written.get(0), 1, 4).getInt();
        assertThat(written.get(0)[0]).isZero();
        SchemaRegistryClient fresh = new SchemaRegistryClient(RegistrySettings.of(stack.schemaRegistryUrl()));
        SchemaRegistryClient.SchemaVersion latest = fresh.latest(topic + "-value");
        assertThat(latest.id()).isEqualTo(id);
        assertThat(latest.schema()).isEqualTo(PanicReport.getClassSchema());
    }

    @Test
    void registryDownIsNamed() {
        AvroSerde<PanicReport> serde = AvroSerde.forType(PanicReport.class,
                Map.of("schema.registry.url", "http://127.0.0.1:9", "schema.registry.request.timeout.ms", "2000"));
        assertThatThrownBy(() -> serde.serializer().serialize(topic(), SampleRecords.panicReport("vm")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("http://127.0.0.1:9").hasMessageContaining("unreachable");
    }

    @Test
    void unknownSchemaIdIsNamed() {
        AvroSerde<PanicReport> serde = AvroSerde.forType(PanicReport.class, stack.clientConfig());
        byte[] bytes = {0, 0, 0x0f, 0x42, 0x3f, 2, 4}; // id 0x000f423f = 999999
        assertThatThrownBy(() -> serde.deserializer().deserialize("panic-reports", bytes))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("schema id 999999 is unknown to the registry");
    }

    @Test
    void wrongMagicByteAndTruncatedPayloadAreNamed() {
        String topic = topic();
        AvroSerde<PanicReport> serde = AvroSerde.forType(PanicReport.class, stack.clientConfig());
        byte[] good = serde.serializer().serialize(topic, SampleRecords.panicReport("pve1/104"));

        byte[] wrongMagic = good.clone();
        wrongMagic[0] = 1;
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, wrongMagic))
                .isInstanceOf(SerializationException.class).hasMessageContaining("magic byte");

        byte[] truncated = Arrays.copyOf(good, good.length - 20);
        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, truncated))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("truncated or corrupt").hasMessageContaining("PanicReport");

        assertThatThrownBy(() -> serde.deserializer().deserialize(topic, Arrays.copyOf(good, 3)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("shorter than the 5-byte");
    }

    @Test
    void recordOfAnotherSchemaIsNotSilentlyMisread() {
        String topic = topic();
        byte[] hostLoad = AvroSerde.forType(HostLoadSample.class, stack.clientConfig()).serializer()
                .serialize(topic, SampleRecords.hostLoad("pve1/104", 110));
        AvroSerde<PanicReport> panicSerde = AvroSerde.forType(PanicReport.class, stack.clientConfig());
        assertThatThrownBy(() -> panicSerde.deserializer().deserialize(topic, hostLoad))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("written as dev.panicwatch.schemas.HostLoadSample")
                .hasMessageContaining("does not resolve to dev.panicwatch.schemas.PanicReport");
    }

    @Test
    void incompatibleNewSchemaIsRefusedWithTheReason() {
        String subject = topic() + "-value";
        SchemaRegistryClient client = new SchemaRegistryClient(RegistrySettings.of(stack.schemaRegistryUrl()));
        client.register(subject, PanicReport.getClassSchema());
        client.setCompatibility(subject, "BACKWARD");

        Schema breaking = SchemaBuilder.record("PanicReport").namespace("dev.panicwatch.schemas").fields()
                .requiredString("reportId").requiredInt("severity").endRecord();
        assertThat(client.isCompatible(subject, breaking)).isFalse();
        assertThatThrownBy(() -> client.register(subject, breaking))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining(subject).hasMessageContaining("409").hasMessageContaining("ncompatible");
    }

    @Test
    void withoutAutoRegisterAnUnregisteredSchemaIsNamed() {
        String topic = topic();
        AvroSerde<PanicReport> serde = AvroSerde.forType(PanicReport.class, Map.of(
                "schema.registry.url", stack.schemaRegistryUrl(), "auto.register.schemas", "false"));
        assertThatThrownBy(() -> serde.serializer().serialize(topic, SampleRecords.panicReport("vm")))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining(topic + "-value").hasMessageContaining("auto.register.schemas is false");

        // Once someone registered it, the same serde writes with that id; use.latest.version finds it too.
        int id = new SchemaRegistryClient(RegistrySettings.of(stack.schemaRegistryUrl()))
                .register(topic + "-value", PanicReport.getClassSchema());
        byte[] bytes = serde.serializer().serialize(topic, SampleRecords.panicReport("vm"));
        assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        AvroSerde<PanicReport> latest = AvroSerde.forType(PanicReport.class, Map.of(
                "schema.registry.url", stack.schemaRegistryUrl(), "auto.register.schemas", "false",
                "use.latest.version", "true"));
        assertThat(ByteBuffer.wrap(latest.serializer().serialize(topic, SampleRecords.panicReport("vm")), 1, 4)
                .getInt()).isEqualTo(id);
    }
}
