package dev.panicwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.replay.ScenarioReplayer;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.localstack.LocalKafkaBroker;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * Issue 11: the broker itself is killed with SIGKILL while the streams app has transactions open (exactly-once
 * commits every 100 ms, and records of three batches are being processed), then started again on its data and ports.
 * The app must come through without a restart of its own, and every VM must get exactly one right remediation
 * (KillLoopIT's scenario and arithmetic: RAISE_VTI to vti 9 with 67 samples): nothing of an aborted transaction
 * published, nothing decided before its samples were read again.
 */
@IntegrationTest
@Tag("reliability")
@Order(3)
class BrokerKillIT {

    private static final int BATCHES_BEFORE = 3;
    private static final int BATCHES_AFTER = 2;

    @Test
    void brokerKilledWithOpenTransactionsYetEveryVmGetsItsRightAdviceOnce(StackEndpoints shared, @TempDir Path dir)
            throws Exception {
        long started = System.nanoTime();
        String run = "brokerkill-" + UUID.randomUUID().toString().substring(0, 8);
        int port = BrokerRestartIT.freePort();
        int controllerPort = BrokerRestartIT.freePort();
        List<Path> batches = KillLoopIT.writeBatches(dir.resolve("scenario"), run)
                .subList(0, BATCHES_BEFORE + BATCHES_AFTER);
        LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("data"), dir, Map.of(), Duration.ofSeconds(120),
                port, controllerPort);
        KafkaConnection kafka = KafkaConnection.of(broker.bootstrapServers(), shared.schemaRegistryUrl());
        Map<String, Object> clientConfig = kafka.clientConfig();
        TopicFixture.ensureTopics(clientConfig);

        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", broker.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", shared.schemaRegistryUrl());
        env.put("KAFKA_APPLICATION_ID", "panicwatch-reliability-" + run);
        env.put("KAFKA_STATE_DIR", dir.resolve("state").toString());
        env.put("KAFKA_COMMIT_INTERVAL_MS", "100");
        env.put("PANICWATCH_GRACE", "PT15S");
        env.put("PANICWATCH_PUNCTUATION_INTERVAL", "PT1S");
        Path log = Path.of("target", "reliability-logs", run + "-streams.log");
        PanicwatchProcess streams = PanicwatchProcess.start(List.of("-Xmx384m"),
                List.of("streams", "--api-port", "0"), env, log);
        ScenarioReplayer replayer = new ScenarioReplayer(new PanicReportFactory(), Clock.systemUTC(), l -> { });
        try {
            ChildLog.awaitRunning(streams, 1, Duration.ofSeconds(120));
            try (IdempotentPublisher publisher = IdempotentPublisher.create(kafka)) {
                for (Path batch : batches.subList(0, BATCHES_BEFORE)) {
                    replayer.replay(batch, false, publisher);
                }
            }
            // The last batch's records are still being processed (each commit is a transaction): kill now.
            ProcessHandle brokerProcess = ProcessHandle.of(broker.pid()).orElseThrow();
            brokerProcess.destroyForcibly();
            brokerProcess.onExit().get(30, TimeUnit.SECONDS);
            System.out.printf(Locale.ROOT, "[brokerkill] broker pid %d killed with SIGKILL%n", broker.pid());
            broker.close();
            Thread.sleep(5_000); // the outage itself, not a wait for a condition
            broker = LocalKafkaBroker.start(dir.resolve("data"), dir, Map.of(), Duration.ofSeconds(120), port,
                    controllerPort);
            try (IdempotentPublisher publisher = IdempotentPublisher.create(kafka)) {
                for (Path batch : batches.subList(BATCHES_BEFORE, batches.size())) {
                    replayer.replay(batch, false, publisher);
                }
            }

            int expected = batches.size() * KillLoopIT.VMS_PER_BATCH;
            await().atMost(Duration.ofSeconds(240)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> KillLoopIT.remediations(clientConfig, run).size() >= expected);
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> KillLoopIT.remediations(clientConfig, run).size() == expected);
            List<RemediationEvent> seen = KillLoopIT.remediations(clientConfig, run);
            Map<String, Long> perVm = seen.stream()
                    .collect(Collectors.groupingBy(RemediationEvent::getVmId, Collectors.counting()));
            assertThat(perVm).as("one remediation per VM").hasSize(expected);
            assertThat(perVm.values()).containsOnly(1L);
            assertThat(KillLoopIT.wrongAdvice(seen)).as("wrong advice; see " + log).isEmpty();
            assertThat(streams.isAlive()).as("the streams process rode out the broker's death").isTrue();
            System.out.printf(Locale.ROOT, "[brokerkill] %d/%d right advice (RAISE_VTI, vti 9, 67 samples), each once; "
                            + "stream threads replaced: %d; %d s%n", expected - KillLoopIT.wrongAdvice(seen).size(),
                    expected, ChildLog.count(streams, "replacing it in"),
                    Duration.ofNanos(System.nanoTime() - started).toSeconds());
        } finally {
            streams.stop();
            broker.close();
        }
    }
}
