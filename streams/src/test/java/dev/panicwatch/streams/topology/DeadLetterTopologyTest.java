package dev.panicwatch.streams.topology;

import static dev.panicwatch.streams.topology.Scenario.TLB_FLUSH;
import static dev.panicwatch.streams.topology.Scenario.XNU_10_15;
import static dev.panicwatch.streams.topology.Scenario.load;
import static dev.panicwatch.streams.topology.Scenario.panic;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.deadletter.DeadLetterHeaders;

/** Bad records on either input go to the dead letters with their bytes and error headers; good ones around them count. */
class DeadLetterTopologyTest {

    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");
    private static final String VM = "pve1/104";

    private TopologyHarness pipe;

    @BeforeEach
    void start() throws Exception {
        // TopologyTestDriver under exactly_once_v2 drops the dead letters a deserialization handler returns (it only
        // captures records of transactions it commits itself), so this test runs at_least_once; PipelineIT checks
        // dead letters under exactly_once_v2 on a real broker.
        pipe = new TopologyHarness(PipelineSettings.defaults(), T,
                Map.of(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.AT_LEAST_ONCE));
    }

    @AfterEach
    void stop() throws Exception {
        pipe.close();
    }

    @Test
    void garbageAndMisKeyedRecordsAreDeadLetteredAndTheGoodOnesAroundThemProcessed() {
        byte[] garbagePanic = "this is not avro".getBytes(StandardCharsets.UTF_8);
        // Confluent wire format with schema id 4242, which the registry does not know.
        byte[] unknownSchemaSample = {0, 0, 0, 0x10, (byte) 0x92, 1, 2, 3};
        PanicReport good = panic(VM, "pve1", T, TLB_FLUSH, XNU_10_15, "keepsyms=1");
        PanicReport misKeyed = panic("pve1/999", "pve1", T, TLB_FLUSH, XNU_10_15, null);
        Serializer<PanicReport> panicSerializer = pipe.serdes.panicReports().serializer();
        byte[] misKeyedBytes = panicSerializer.serialize(Topics.PANIC_REPORTS, misKeyed);

        // panic-reports offsets: 0 garbage, 1 good, 2 keyed pve1/104 but for VM pve1/999.
        pipe.rawPanics.pipeInput(VM, garbagePanic, T);
        pipe.panic(good);
        pipe.rawPanics.pipeInput(VM, misKeyedBytes, T);
        // host-load offsets: 0 good, 1 unknown schema id, 2 good.
        pipe.load(load(VM, "pve1", T.minusSeconds(60), 32, 110.0, null, null));
        pipe.rawLoads.pipeInput(VM, unknownSchemaSample, T);
        pipe.load(load(VM, "pve1", T.plusSeconds(30), 32, 100.0, null, null));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        List<TestRecord<byte[], byte[]>> dead = pipe.deadLetters.readRecordsToList();
        assertThat(dead).hasSize(3);

        TestRecord<byte[], byte[]> first = dead.get(0);
        assertThat(first.value()).isEqualTo(garbagePanic);
        assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo(VM);
        assertThat(header(first.headers(), DeadLetterHeaders.STAGE)).isEqualTo("deserialization");
        assertThat(header(first.headers(), DeadLetterHeaders.TOPIC)).isEqualTo(Topics.PANIC_REPORTS);
        assertThat(header(first.headers(), DeadLetterHeaders.PARTITION)).isEqualTo("0");
        assertThat(header(first.headers(), DeadLetterHeaders.OFFSET)).isEqualTo("0");
        assertThat(header(first.headers(), DeadLetterHeaders.ERROR_CLASS))
                .isEqualTo("org.apache.kafka.common.errors.SerializationException");
        assertThat(header(first.headers(), DeadLetterHeaders.ERROR_MESSAGE)).contains("magic byte");

        TestRecord<byte[], byte[]> second = dead.get(1);
        assertThat(second.value()).isEqualTo(misKeyedBytes);
        assertThat(header(second.headers(), DeadLetterHeaders.STAGE)).isEqualTo("processing");
        assertThat(header(second.headers(), DeadLetterHeaders.OFFSET)).isEqualTo("2");
        assertThat(header(second.headers(), DeadLetterHeaders.ERROR_CLASS))
                .isEqualTo(UnprocessableRecordException.class.getName());
        assertThat(header(second.headers(), DeadLetterHeaders.ERROR_MESSAGE))
                .contains("key 'pve1/104'").contains("vmId is 'pve1/999'");
        assertThat(header(second.headers(), DeadLetterHeaders.PROCESSOR)).isEqualTo("check-panic-report-key");

        TestRecord<byte[], byte[]> third = dead.get(2);
        assertThat(third.value()).isEqualTo(unknownSchemaSample);
        assertThat(header(third.headers(), DeadLetterHeaders.TOPIC)).isEqualTo(Topics.HOST_LOAD);
        assertThat(header(third.headers(), DeadLetterHeaders.OFFSET)).isEqualTo("1");
        assertThat(header(third.headers(), DeadLetterHeaders.ERROR_MESSAGE)).contains("schema id 4242");

        // The good panic with both good samples (peak 110/32) was still advised: vti 6 → 9.
        List<RemediationEvent> events = pipe.remediations();
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.getVmId()).isEqualTo(VM);
            assertThat(e.getEvidence().getSamples()).isEqualTo(2);
            assertThat(e.getSuggestedBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        });
    }

    @Test
    void recordWithoutKeyIsDeadLettered() {
        HostLoadSample sample = load(VM, "pve1", T, 32, 1.0, null, null);
        pipe.loads.pipeInput((String) null, sample, T);
        List<TestRecord<byte[], byte[]>> dead = pipe.deadLetters.readRecordsToList();
        assertThat(dead).singleElement().satisfies(r -> {
            assertThat(r.key()).isNull();
            assertThat(header(r.headers(), DeadLetterHeaders.ERROR_MESSAGE)).contains("has no key");
        });
    }

    private static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
