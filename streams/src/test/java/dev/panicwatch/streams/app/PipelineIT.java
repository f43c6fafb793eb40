package dev.panicwatch.streams.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.ReportFormat;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.deadletter.DeadLetterHeaders;
import dev.panicwatch.streams.topology.PanicwatchSerdes;
import dev.panicwatch.streams.topology.StoreChangelogs;
import dev.panicwatch.streams.topology.StoreNames;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The whole app on the real broker and registry under exactly_once_v2: a small scenario of panics and load samples
 * yields exactly the expected remediations on a read_committed consumer, and a garbage record a dead letter.
 */
@IntegrationTest
class PipelineIT {

    private static final String TLB_FLUSH = "NMIPI for unresponsive processor: TLB flush timeout, TLB state:0x0";
    private static final String SPINLOCK = "Spinlock acquisition timed out: lock=0xffffff871d3f9740, lock owner "
            + "thread=0xffffff8720cd5d10, current_thread: 0xffffff8720cd5d10";
    private static final String KERNEL_TRAP = "Kernel trap at 0xffffff800e8f3c5a, type 14=page fault, registers:";

    @Test
    void scenarioYieldsExactlyTheExpectedRemediations(StackEndpoints stack) throws Exception {
        // The scenario happened 30 min ago, so every stream-time deadline has passed; with grace 5 s the wall-clock
        // deadline (arrival + grace) decides each panic a few seconds after it arrives.
        PipelineSettings settings = PipelineSettings.from(Map.of(), Map.of(
                "PANICWATCH_GRACE", "PT5S", "PANICWATCH_PUNCTUATION_INTERVAL", "PT1S"));
        Path stateDir = Files.createTempDirectory("panicwatch-pipeline-it-");
        Map<String, Object> kafka = new HashMap<>(stack.clientConfig());
        kafka.put(StreamsConfig.APPLICATION_ID_CONFIG, "panicwatch-it-" + UUID.randomUUID());
        kafka.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());

        Instant t = Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.SECONDS);
        PanicwatchSerdes serdes = PanicwatchSerdes.fromConfig(stack.clientConfig());

        try (PanicwatchApp app = PanicwatchApp.start(settings, kafka)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(60))).as("streams app reaches RUNNING").isTrue();
            assertTopicsCreated(stack);
            assertLoadChangelogsSized(stack, (String) kafka.get(StreamsConfig.APPLICATION_ID_CONFIG));

            try (KafkaProducer<String, HostLoadSample> loads = producer(stack, serdes.loadSamples().serializer());
                 KafkaProducer<String, PanicReport> panics = producer(stack, serdes.panicReports().serializer());
                 KafkaProducer<String, byte[]> raw = producer(stack, new ByteArraySerializer())) {
                // A: the seed. 32 CPUs, peak load1 110 → R = 3.4375 → step 1 + ceil(1.78) = 3 → vti 6 → 9.
                send(loads, sample("pve1/104", "pve1", t.minus(Duration.ofMinutes(5)), 32, 96, null));
                send(loads, sample("pve1/104", "pve1", t.minus(Duration.ofMinutes(1)), 32, 110, null));
                send(loads, sample("pve1/104", "pve1", t.plusSeconds(30), 32, 104, null));
                // B: calm host, 4/16 = 0.25 and wait 2 % → INVESTIGATE (not overloaded).
                send(loads, sample("pve2/201", "pve2", t.minus(Duration.ofMinutes(2)), 16, 4, 0.02));
                // C: overloaded host but a kernel trap → no remediation.
                send(loads, sample("pve1/105", "pve1", t.minus(Duration.ofMinutes(1)), 32, 110, null));
                // D: load 16/32 = 0.5 but the worst vCPU waited 80 % → R = 5 → step 1 + ceil(2.32) = 4 → vti 6 → 10.
                send(loads, sample("pve1/106", "pve1", t.minus(Duration.ofMinutes(1)), 32, 16, 0.8));
                loads.flush();

                PanicReport a = report("pve1/104", "pve1", t, TLB_FLUSH, "xnu-6153.121.2", "keepsyms=1");
                send(panics, a);
                send(panics, a); // re-sent: counted and advised once
                send(panics, report("pve2/201", "pve2", t, SPINLOCK, "xnu-7195.101.2", null));
                send(panics, report("pve1/105", "pve1", t, KERNEL_TRAP, "xnu-6153.121.2", null));
                raw.send(new ProducerRecord<>(Topics.PANIC_REPORTS, "pve9/1",
                        "not a panic report".getBytes(StandardCharsets.UTF_8))).get();
                send(panics, report("pve1/106", "pve1", t, SPINLOCK, "xnu-7195.101.2", null));
                panics.flush();
            }

            Map<String, RemediationEvent> byVm = new HashMap<>();
            List<RemediationEvent> all = new ArrayList<>();
            try (KafkaConsumer<String, RemediationEvent> consumer = consumer(stack, serdes.remediations().deserializer())) {
                consumer.subscribe(List.of(Topics.REMEDIATIONS));
                // Other ITs of this run share the topic: count only the VMs this test sent panics for.
                Set<String> ours = Set.of("pve1/104", "pve2/201", "pve1/105", "pve1/106", "pve9/1");
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ZERO).until(() -> {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                        if (ours.contains(r.key())) {
                            all.add(r.value());
                            byVm.put(r.key(), r.value());
                        }
                    });
                    return all.size() >= 3;
                });
                // Nothing else may follow: every panic was decided by now, so give a late extra event a fair chance.
                long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
                while (System.nanoTime() < until) {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                        if (ours.contains(r.key())) {
                            all.add(r.value());
                        }
                    });
                }
            }
            assertThat(all).hasSize(3);
            assertThat(byVm).containsOnlyKeys("pve1/104", "pve2/201", "pve1/106");

            RemediationEvent seed = byVm.get("pve1/104");
            assertThat(seed.getActions()).containsExactly(RemediationAction.RAISE_VTI,
                    RemediationAction.DISABLE_TLB_TIMEOUT, RemediationAction.REDUCE_HOST_LOAD);
            assertThat(seed.getSuggestedVti()).isEqualTo(9);
            assertThat(seed.getSuggestedBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
            assertThat(seed.getEvidence().getSamples()).isEqualTo(3);
            assertThat(seed.getPanicsInWindow()).isEqualTo(1);
            assertThat(seed.getRationale()).contains("32 s → 256 s");

            assertThat(byVm.get("pve2/201").getActions()).containsExactly(RemediationAction.INVESTIGATE);
            assertThat(byVm.get("pve2/201").getEvidence().getOverloaded()).isFalse();

            RemediationEvent waited = byVm.get("pve1/106");
            assertThat(waited.getSuggestedVti()).isEqualTo(10);
            assertThat(waited.getSuggestedBootArgs()).isEqualTo("keepsyms=1 vti=10");
            assertThat(waited.getActions()).containsExactly(RemediationAction.RAISE_VTI,
                    RemediationAction.REDUCE_HOST_LOAD);

            try (KafkaConsumer<byte[], byte[]> consumer = consumer(stack, new ByteArrayDeserializer())) {
                consumer.subscribe(List.of(Topics.DEAD_LETTERS));
                List<ConsumerRecord<byte[], byte[]>> dead = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ZERO).until(() -> {
                    consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                        if (new String(r.value(), StandardCharsets.UTF_8).equals("not a panic report")) {
                            dead.add(r);
                        }
                    });
                    return !dead.isEmpty();
                });
                ConsumerRecord<byte[], byte[]> letter = dead.get(0);
                assertThat(new String(letter.value(), StandardCharsets.UTF_8)).isEqualTo("not a panic report");
                assertThat(header(letter, DeadLetterHeaders.TOPIC)).isEqualTo(Topics.PANIC_REPORTS);
                assertThat(header(letter, DeadLetterHeaders.STAGE)).isEqualTo("deserialization");
                assertThat(header(letter, DeadLetterHeaders.OFFSET)).matches("\\d+");
            }
        }
    }

    private static void assertTopicsCreated(StackEndpoints stack) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            var topics = admin.describeTopics(List.of(Topics.PANIC_REPORTS, Topics.HOST_LOAD)).allTopicNames().get();
            // Default panicwatch.topic.partitions = 3, the same for both inputs.
            assertThat(topics.get(Topics.PANIC_REPORTS).partitions()).hasSize(3);
            assertThat(topics.get(Topics.HOST_LOAD).partitions()).hasSize(3);
            ConfigResource remediations = new ConfigResource(ConfigResource.Type.TOPIC, Topics.REMEDIATIONS);
            Config config = admin.describeConfigs(List.of(remediations)).all().get().get(remediations);
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact");
        }
    }

    /** Kafka Streams created the load stores' changelogs with what the stores keep (docs/streams.md). */
    private static void assertLoadChangelogsSized(StackEndpoints stack, String applicationId) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            ConfigResource raw = new ConfigResource(ConfigResource.Type.TOPIC,
                    StoreChangelogs.topic(applicationId, StoreNames.RECENT_LOAD_PER_VM));
            ConfigResource summaries = new ConfigResource(ConfigResource.Type.TOPIC,
                    StoreChangelogs.topic(applicationId, StoreNames.LOAD_SUMMARY_PER_VM));
            Map<ConfigResource, Config> configs = admin.describeConfigs(List.of(raw, summaries)).all().get();
            // 30 min raw window in 5-minute segments; a day of summaries in 4-hour segments; not + 1 day.
            assertThat(configs.get(raw).get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo("1800000");
            assertThat(configs.get(raw).get(TopicConfig.SEGMENT_MS_CONFIG).value()).isEqualTo("300000");
            assertThat(configs.get(summaries).get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo("86400000");
            assertThat(configs.get(summaries).get(TopicConfig.SEGMENT_MS_CONFIG).value()).isEqualTo("14400000");
        }
    }

    private static HostLoadSample sample(String vm, String host, Instant time, int cpus, double load1, Double wait) {
        return HostLoadSample.newBuilder().setHostId(host).setVmId(vm).setSampleTime(time).setIntervalMillis(10_000)
                .setHostCpus(cpus).setLoad1(load1).setLoad5(load1).setLoad15(load1).setVmVcpus(8)
                .setVcpuWaitRatioMax(wait).build();
    }

    private static PanicReport report(String vm, String host, Instant time, String panicString, String xnu,
                                      String bootArgs) {
        String raw = "panic(cpu 0 caller 0xffffff8000000000): \"" + panicString + "\" " + vm + " " + time;
        return PanicReport.newBuilder().setReportId(Integer.toHexString(raw.hashCode()) + "-" + vm).setVmId(vm)
                .setHostId(host).setPanicTime(time).setReceivedTime(time).setFormat(ReportFormat.LEGACY_TEXT)
                .setPanicString(panicString).setXnuVersion(xnu).setBootArgs(bootArgs).setRaw(raw).build();
    }

    private static <V> void send(KafkaProducer<String, V> producer, V value) throws Exception {
        String key = value instanceof PanicReport p ? p.getVmId() : ((HostLoadSample) value).getVmId();
        producer.send(new ProducerRecord<>(value instanceof PanicReport ? Topics.PANIC_REPORTS : Topics.HOST_LOAD,
                key, value)).get();
    }

    private static <V> KafkaProducer<String, V> producer(StackEndpoints stack,
                                                        org.apache.kafka.common.serialization.Serializer<V> values) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(config, new StringSerializer(), values);
    }

    private static <K, V> KafkaConsumer<K, V> consumer(StackEndpoints stack,
                                                       org.apache.kafka.common.serialization.Deserializer<V> values) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "pipeline-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        @SuppressWarnings("unchecked")
        org.apache.kafka.common.serialization.Deserializer<K> keys =
                (org.apache.kafka.common.serialization.Deserializer<K>) (Object) (values instanceof ByteArrayDeserializer
                        ? new ByteArrayDeserializer() : new StringDeserializer());
        return new KafkaConsumer<>(config, keys, values);
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
