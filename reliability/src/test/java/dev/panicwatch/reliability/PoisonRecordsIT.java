package dev.panicwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.kafka.registry.AvroSerde;
import dev.panicwatch.streams.app.PanicwatchApp;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.deadletter.DeadLetterHeaders;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * Three kinds of poison on each input topic — garbage bytes, the Confluent wire format with a schema id the registry
 * does not know, and a valid Avro record of the other input's schema — each between good records of the same
 * partition (same key). Each poison must become one dead letter carrying its bytes and where it came from, and the
 * good records before and after it must all be processed.
 */
@IntegrationTest
@Tag("reliability")
@Order(1)
class PoisonRecordsIT {

    private static final int UNKNOWN_SCHEMA_ID = 0x7fff_fff0;

    @Test
    void eachPoisonIsOneDeadLetterAndTheGoodRecordsAroundItAreProcessed(StackEndpoints stack, @TempDir Path dir)
            throws Exception {
        long started = System.nanoTime();
        String run = "poison-" + UUID.randomUUID().toString().substring(0, 8);
        TopicFixture.ensureTopics(stack.clientConfig());
        Map<String, Object> config = new HashMap<>(stack.clientConfig());
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, "panicwatch-reliability-" + run);
        config.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        PipelineSettings settings = PipelineSettings.from(Map.of(), Map.of(
                "PANICWATCH_GRACE", "PT5S", "PANICWATCH_PUNCTUATION_INTERVAL", "PT1S"));

        // VMs a, b on an overloaded host (110/32 → R 3.44 → vti 6 → 9, as in the seed), c, d on a calm one (4/32).
        String a = run + "/a", b = run + "/b", c = run + "/c", d = run + "/d";
        Instant panicTime = Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.SECONDS);
        AvroSerde<HostLoadSample> samples = AvroSerde.forType(HostLoadSample.class, stack.clientConfig());
        AvroSerde<PanicReport> reports = AvroSerde.forType(PanicReport.class, stack.clientConfig());

        List<ProducerRecord<String, byte[]>> loadTopic = new ArrayList<>();
        List<ProducerRecord<String, byte[]>> panicTopic = new ArrayList<>();
        Map<Integer, String> loadPoison = new HashMap<>();  // index in loadTopic → what kind of poison
        Map<Integer, String> panicPoison = new HashMap<>(); // index in panicTopic → what kind of poison
        String[] vms = {a, b, c, d};
        for (int i = 0; i < vms.length; i++) {
            String vm = vms[i];
            double load = i < 2 ? 110.0 : 4.0;
            for (Duration at : List.of(Duration.ofMinutes(-5), Duration.ofMinutes(-1), Duration.ofSeconds(30))) {
                loadTopic.add(new ProducerRecord<>(Topics.HOST_LOAD, vm, samples.serializer().serialize(Topics.HOST_LOAD,
                        sample(vm, i < 2 ? run + "-hot" : run + "-calm", panicTime.plus(at), load))));
            }
            PanicReport report = SampleReports.published(SampleReports.seed("pve1-101-tlb-flush-timeout.panic"), vm,
                    panicTime);
            report.setReportId(run + "-" + i); // the same file for four VMs: four reports
            report.setPanicTime(panicTime); // the file states its own date; this scenario says when it happened
            panicTopic.add(new ProducerRecord<>(Topics.PANIC_REPORTS, vm,
                    reports.serializer().serialize(Topics.PANIC_REPORTS, report)));
            if (i < 3) {
                // After VM i's good records, poison i, keyed like them (same partition, between good records).
                // A record of the other input, serialized for its own topic: what a producer writing to the wrong topic
                // sends (and the registry keeps each topic's subject to its own schema).
                byte[] poisonForLoad = poison(i, reports.serializer().serialize(Topics.PANIC_REPORTS, report));
                byte[] poisonForPanics = poison(i, samples.serializer().serialize(Topics.HOST_LOAD,
                        sample(vm, run + "-hot", panicTime, 1.0)));
                loadPoison.put(loadTopic.size(), POISONS[i]);
                loadTopic.add(new ProducerRecord<>(Topics.HOST_LOAD, vm, poisonForLoad));
                panicPoison.put(panicTopic.size(), POISONS[i]);
                panicTopic.add(new ProducerRecord<>(Topics.PANIC_REPORTS, vm, poisonForPanics));
            }
        }

        Map<String, ProducerRecord<String, byte[]>> poisonAt = new HashMap<>(); // "topic/partition/offset" → record
        Map<String, String> kindAt = new HashMap<>();
        try (PanicwatchApp app = PanicwatchApp.start(settings, config);
             KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                     ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                     ProducerConfig.ACKS_CONFIG, "all"), new StringSerializer(), new ByteArraySerializer())) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).as("streams app RUNNING").isTrue();
            // Load first (as live: samples precede the panic they explain), then the panics.
            for (var topic : List.of(Map.entry(loadTopic, loadPoison), Map.entry(panicTopic, panicPoison))) {
                List<ProducerRecord<String, byte[]>> records = topic.getKey();
                for (int i = 0; i < records.size(); i++) {
                    RecordMetadata at = producer.send(records.get(i)).get();
                    if (topic.getValue().containsKey(i)) {
                        poisonAt.put(where(at), records.get(i));
                        kindAt.put(where(at), topic.getValue().get(i));
                    }
                }
            }
            assertThat(poisonAt).hasSize(6);

            // Good records around the poison: all four panics advised, as computed above.
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> remediations(stack, run).size() >= 4);
            Map<String, RemediationEvent> byVm = remediations(stack, run).stream()
                    .collect(Collectors.toMap(RemediationEvent::getVmId, e -> e));
            assertThat(byVm).containsOnlyKeys(a, b, c, d);
            for (String hot : List.of(a, b)) {
                assertThat(byVm.get(hot).getActions()).containsExactly(RemediationAction.RAISE_VTI,
                        RemediationAction.DISABLE_TLB_TIMEOUT, RemediationAction.REDUCE_HOST_LOAD);
                assertThat(byVm.get(hot).getSuggestedVti()).isEqualTo(9);
                assertThat(byVm.get(hot).getEvidence().getSamples()).as("all 3 samples of %s, poison or not", hot)
                        .isEqualTo(3);
            }
            for (String calm : List.of(c, d)) {
                assertThat(byVm.get(calm).getActions()).containsExactly(RemediationAction.INVESTIGATE);
                assertThat(byVm.get(calm).getEvidence().getSamples()).isEqualTo(3);
            }

            // Every poison: one dead letter, same key and bytes, its origin in the headers.
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> deadLetters(stack, poisonAt).size() >= 6);
            List<ConsumerRecord<byte[], byte[]>> letters = deadLetters(stack, poisonAt);
            assertThat(letters).hasSize(6);
            for (ConsumerRecord<byte[], byte[]> letter : letters) {
                String origin = origin(letter);
                ProducerRecord<String, byte[]> poison = poisonAt.get(origin);
                assertThat(new String(letter.key(), StandardCharsets.UTF_8)).isEqualTo(poison.key());
                assertThat(letter.value()).as(origin).isEqualTo(poison.value());
                assertThat(header(letter, DeadLetterHeaders.STAGE)).as(origin).isEqualTo("deserialization");
                assertThat(header(letter, DeadLetterHeaders.ERROR_CLASS)).as(origin).isNotBlank();
                assertThat(header(letter, DeadLetterHeaders.ERROR_MESSAGE)).as(origin).isNotBlank();
                System.out.printf("[poison] %-34s %-22s → dead letter: %s: %s%n", origin, kindAt.get(origin),
                        header(letter, DeadLetterHeaders.ERROR_CLASS), header(letter, DeadLetterHeaders.ERROR_MESSAGE));
            }
        }
        System.out.printf("[poison] 6 poison records (3 per input) → 6 dead letters; 4 of 4 good panics advised; %d s%n",
                Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    private static final String[] POISONS = {"garbage bytes", "unknown schema id", "other input's schema"};

    /** Poison number {@code kind}: garbage, a record under an unknown schema id, or {@code otherSchema} as it is. */
    private static byte[] poison(int kind, byte[] otherSchema) {
        return switch (kind) {
            case 0 -> "this is not Avro \u00ff".getBytes(StandardCharsets.UTF_8); // no magic byte
            // Magic byte 0 and a 4-byte schema id, the Confluent wire format, with an id nobody registered.
            case 1 -> ByteBuffer.allocate(5 + otherSchema.length - 5).put((byte) 0).putInt(UNKNOWN_SCHEMA_ID)
                    .put(otherSchema, 5, otherSchema.length - 5).array();
            default -> otherSchema;
        };
    }

    private static HostLoadSample sample(String vm, String host, Instant time, double load1) {
        return HostLoadSample.newBuilder().setHostId(host).setVmId(vm).setSampleTime(time).setIntervalMillis(10_000)
                .setHostCpus(32).setLoad1(load1).setLoad5(load1).setLoad15(load1).setVmVcpus(8).build();
    }

    private static String where(RecordMetadata at) {
        return at.topic() + "/" + at.partition() + "/" + at.offset();
    }

    private static String origin(ConsumerRecord<?, ?> letter) {
        return header(letter, DeadLetterHeaders.TOPIC) + "/" + header(letter, DeadLetterHeaders.PARTITION) + "/"
                + header(letter, DeadLetterHeaders.OFFSET);
    }

    /** Dead letters of this test's poison records (other tests' apps may dead-letter other records). */
    private static List<ConsumerRecord<byte[], byte[]>> deadLetters(StackEndpoints stack,
                                                                   Map<String, ProducerRecord<String, byte[]>> poison) {
        return RawTopic.readAll(stack.bootstrapServers(), Topics.DEAD_LETTERS).stream()
                .filter(r -> poison.containsKey(origin(r))).toList();
    }

    private static List<RemediationEvent> remediations(StackEndpoints stack, String run) {
        return TopicFixture.readAll(stack.clientConfig(), Topics.REMEDIATIONS, RemediationEvent.class).stream()
                .map(ConsumerRecord::value).filter(e -> e.getVmId().startsWith(run + "/")).toList();
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
