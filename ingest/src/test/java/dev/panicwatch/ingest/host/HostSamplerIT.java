package dev.panicwatch.ingest.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.kafka.registry.AvroSerde;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The sampler against the real broker and registry: a fixture host's round lands on {@code host-load} and reads
 * back with the Avro serde; samples taken while the broker address is dead are delivered once it answers.
 */
@IntegrationTest
class HostSamplerIT {

    @TempDir
    Path temp;

    @BeforeAll
    static void createTopic(StackEndpoints stack) throws Exception {
        // The local broker does not auto-create topics, and other ITs of the run may have created it already.
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.HOST_LOAD, 3, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
    }

    /** Two rounds of the Proxmox fixture, 10 s apart, as a host id of its own so other tests' records do not count. */
    private List<HostLoadSample> proxmoxRound(String hostId) {
        FixtureHost host = FixtureHost.copy("proxmox", temp);
        ManualClock clock = new ManualClock(Instant.parse("2026-11-20T10:00:00Z"));
        HostSampler sampler = HostSampler.create(host.roots(), HostPlatform.AUTO, VmIdScheme.AUTO, hostId, hostId,
                Duration.ofSeconds(10), clock);
        sampler.sampleRound();
        clock.advance(Duration.ofSeconds(10));
        host.advanceToRound2();
        return sampler.sampleRound().samples();
    }

    private static Map<String, HostLoadSample> readBack(StackEndpoints stack, String hostId, int expected) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "host-sampler-it-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        AvroSerde<HostLoadSample> serde = AvroSerde.forType(HostLoadSample.class,
                Map.of("schema.registry.url", stack.schemaRegistryUrl()));
        Map<String, HostLoadSample> byKey = new HashMap<>();
        try (KafkaConsumer<String, HostLoadSample> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), serde.deserializer())) {
            consumer.subscribe(List.of(Topics.HOST_LOAD));
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                for (ConsumerRecord<String, HostLoadSample> record : consumer.poll(Duration.ofMillis(500))) {
                    if (record.value().getHostId().equals(hostId)) {
                        assertThat(record.key()).isEqualTo(record.value().getVmId());
                        byKey.put(record.key(), record.value());
                    }
                }
                return byKey.size() >= expected;
            });
        }
        return byKey;
    }

    @Test
    void aRoundOfAProxmoxHostIsPublishedKeyedByVmIdAndReadsBackWithTheAvroSerde(StackEndpoints stack)
            throws Exception {
        String hostId = "it-pve-" + UUID.randomUUID().toString().substring(0, 8);
        List<HostLoadSample> round = proxmoxRound(hostId);
        assertThat(round).hasSize(3);

        SampleBuffer buffer = new SampleBuffer(100);
        try (KafkaSampleSink sink = new KafkaSampleSink(new KafkaConnection(stack.clientConfig()))) {
            SamplePublisher publisher = new SamplePublisher(buffer, sink, 100, KafkaSampleSink.BATCH_TIMEOUT,
                    Duration.ofMillis(100), Duration.ofSeconds(1));
            buffer.addAll(round);
            assertThat(publisher.flush(Duration.ofSeconds(60))).isTrue();
        }

        Map<String, HostLoadSample> back = readBack(stack, hostId, 3);
        assertThat(back).containsOnlyKeys(hostId + "/101", hostId + "/102", hostId + "/105");
        HostLoadSample vm101 = back.get(hostId + "/101");
        // Same figures as the unit test worked out: busy 0.75, 3.0 cores, worst vCPU wait 0.40.
        assertThat(vm101.getHostCpuBusy()).isCloseTo(0.75, within(1e-9));
        assertThat(vm101.getVmCpuUsage()).isCloseTo(3.0, within(1e-9));
        assertThat(vm101.getVcpuWaitRatioMax()).isCloseTo(0.40, within(1e-9));
        assertThat(vm101.getCpuunits()).isEqualTo(1024);
        assertThat(back.get(hostId + "/105").getVmCpuUsage()).isNull();
        assertThat(back.values()).containsExactlyInAnyOrderElementsOf(round);
    }

    @Test
    void samplesTakenWhileTheBrokerAddressIsDeadAreDeliveredWhenItAnswers(StackEndpoints stack) throws Exception {
        String hostId = "it-outage-" + UUID.randomUUID().toString().substring(0, 8);
        List<HostLoadSample> round = proxmoxRound(hostId);
        int deadPort = TcpForwarder.freePort();
        Map<String, Object> settings = new HashMap<>(stack.clientConfig());
        settings.put("bootstrap.servers", "127.0.0.1:" + deadPort);

        SampleBuffer buffer = new SampleBuffer(100);
        try (KafkaSampleSink sink = new KafkaSampleSink(new KafkaConnection(settings));
             SamplePublisher publisher = new SamplePublisher(buffer, sink, 100, KafkaSampleSink.BATCH_TIMEOUT,
                     Duration.ofMillis(200), Duration.ofSeconds(2))) {
            publisher.start();
            buffer.addAll(round);

            // Nothing listens at the bootstrap address: the first send fails after max.block.ms and the samples
            // go back to the buffer.
            await().atMost(Duration.ofSeconds(30)).until(() -> publisher.failedAttempts() > 0);
            assertThat(publisher.delivered()).isZero();
            assertThat(buffer.dropped()).isZero();

            String[] broker = stack.bootstrapServers().split(":");
            TcpForwarder brokerAppears = TcpForwarder.start(deadPort,
                    new InetSocketAddress(broker[0], Integer.parseInt(broker[1])));
            try {
                await().atMost(Duration.ofSeconds(90)).until(() -> publisher.delivered() == round.size());
            } finally {
                brokerAppears.close();
            }
        }
        assertThat(readBack(stack, hostId, 3)).containsOnlyKeys(hostId + "/101", hostId + "/102", hostId + "/105");
    }
}
