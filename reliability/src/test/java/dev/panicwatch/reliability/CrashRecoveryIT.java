package dev.panicwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.replay.ScenarioReplayer;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.reliability.CrashScenario.Kind;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.app.PanicwatchApp;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.topology.StoreNames;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * exactly_once_v2 under kill -9: the streams app runs as its own process ({@code panicwatch streams}) and is killed
 * three times at random points while a generated scenario is replayed into Kafka in batches. After the last restart
 * a read_committed consumer must see every expected remediation exactly once, and the panic counts in the stores
 * must be exact: no panic lost with a killed transaction, none counted twice by the replay of an uncommitted one.
 */
@IntegrationTest
@Tag("reliability")
@Order(2)
class CrashRecoveryIT {

    private static final int PANICS = 24;
    private static final int KILLS = 3;

    @Test
    void killedThreeTimesYetEveryRemediationOnceAndCountsExact(StackEndpoints stack, @TempDir Path dir)
            throws Exception {
        long started = System.nanoTime();
        String run = "crash-" + UUID.randomUUID().toString().substring(0, 8);
        String applicationId = "panicwatch-reliability-" + run;
        CrashScenario scenario = new CrashScenario(run, PANICS,
                Instant.now().minus(Duration.ofMinutes(40)).truncatedTo(ChronoUnit.SECONDS));
        List<Path> batches = scenario.writeBatches(dir.resolve("scenario"), 4);
        TopicFixture.ensureTopics(stack.clientConfig());

        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers());
        env.put("SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl());
        env.put("KAFKA_APPLICATION_ID", applicationId);
        env.put("KAFKA_STATE_DIR", dir.resolve("state").toString());
        // A killed member leaves no LeaveGroup; the restarted one's rebalance waits for the session to expire.
        // 10 s (the broker's minimum is 6 s) keeps three restarts within the suite's time budget.
        env.put("KAFKA_SESSION_TIMEOUT_MS", "10000");
        env.put("PANICWATCH_GRACE", "PT5S");
        env.put("PANICWATCH_PUNCTUATION_INTERVAL", "PT1S");
        Path log = Path.of("target", "reliability-logs", run + "-streams.log"); // kept for a failed run's post-mortem
        List<String> jvm = List.of("-Xmx384m");

        Random random = new Random();
        PanicwatchProcess streams = PanicwatchProcess.start(jvm, List.of("streams", "--api-port", "0"), env, log);
        awaitRunning(streams, 1);

        // The collectors side: batches replayed one after another (3 s apart, the workload's pace), concurrently with
        // the kills below, so kills land before, during and after records arrive.
        KafkaConnection kafka = KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl());
        CompletableFuture<Void> replay = CompletableFuture.runAsync(() -> {
            try (IdempotentPublisher publisher = IdempotentPublisher.create(kafka)) {
                ScenarioReplayer replayer = new ScenarioReplayer(new PanicReportFactory(), Clock.systemUTC(), l -> { });
                for (Path batch : batches) {
                    replayer.replay(batch, true, publisher);
                    Thread.sleep(3_000);
                }
            } catch (Exception e) {
                throw new IllegalStateException("replay failed", e);
            }
        });

        for (int kill = 1; kill <= KILLS; kill++) {
            long delay = 1_000 + random.nextInt(6_000);
            Thread.sleep(delay); // a random point in the run, not a wait for a condition
            long pid = streams.pid();
            streams.kill9();
            System.out.printf("[crash] kill -9 #%d of pid %d after %d ms of RUNNING%n", kill, pid, delay);
            streams = PanicwatchProcess.start(jvm, List.of("streams", "--api-port", "0"), env, log);
            awaitRunning(streams, kill + 1);
        }
        replay.get();

        try {
            // 16 of the 24 panics advise (8 RAISE_VTI, 8 INVESTIGATE; the 8 page faults do not): see CrashScenario.
            Map<String, Kind> expected = scenario.expectedRemediations();
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> remediations(stack, run).size() >= expected.size());
            // Then nothing more may come: every panic was decided; a duplicate would come from a replayed commit.
            await().during(Duration.ofSeconds(10)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2))
                    .until(() -> remediations(stack, run).size() == expected.size());
            List<RemediationEvent> seen = remediations(stack, run);
            Map<String, Long> perVm = seen.stream()
                    .collect(Collectors.groupingBy(RemediationEvent::getVmId, Collectors.counting()));
            assertThat(perVm).as("remediations per VM").containsOnlyKeys(expected.keySet());
            assertThat(perVm.values()).as("each VM advised exactly once").containsOnly(1L);
            assertThat(seen.stream().map(RemediationEvent::getRemediationId).distinct()).hasSize(expected.size());
            for (RemediationEvent event : seen) {
                if (expected.get(event.getVmId()) == Kind.OVERLOADED_TLB) {
                    assertThat(event.getActions()).as(event.getVmId()).containsExactly(RemediationAction.RAISE_VTI,
                            RemediationAction.DISABLE_TLB_TIMEOUT, RemediationAction.REDUCE_HOST_LOAD);
                    assertThat(event.getSuggestedVti()).isEqualTo(9);
                    assertThat(event.getSuggestedBootArgs()).isEqualTo(CrashScenario.RAISED_BOOT_ARGS);
                } else {
                    assertThat(event.getActions()).as(event.getVmId()).containsExactly(RemediationAction.INVESTIGATE);
                }
            }
        } finally {
            streams.stop();
        }

        // The counts: the same application id in-process with an empty state folder, so every store is rebuilt from
        // its changelog — exactly what the killed processes committed, nothing of their aborted transactions.
        Map<String, Object> config = new HashMap<>(stack.clientConfig());
        config.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        config.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("restored-state").toString());
        PipelineSettings settings = PipelineSettings.from(Map.of(), Map.of("PANICWATCH_GRACE", "PT5S"));
        Map<String, Long> perVmCounts;
        Map<String, Long> perHostCounts;
        try (PanicwatchApp app = PanicwatchApp.start(settings, config)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(120))).as("restored app RUNNING").isTrue();
            perVmCounts = totals(app, StoreNames.PANIC_COUNTS_PER_VM,
                    scenario.vms().stream().map(CrashScenario.Vm::vmId).toList());
            perHostCounts = totals(app, StoreNames.PANIC_COUNTS_PER_HOST,
                    List.of(scenario.hotHost(), scenario.calmHost()));
        }
        // One panic per VM; hot host: 8 TLB + 8 page-fault VMs = 16, calm host: 8 (i % 3 == 1 for i < 24).
        assertThat(perVmCounts.values()).as("panics per VM").hasSize(PANICS).containsOnly(1L);
        assertThat(perHostCounts).containsEntry(scenario.hotHost(), 16L).containsEntry(scenario.calmHost(), 8L);

        System.out.printf("[crash] %d panics replayed in %d batches, %d kill -9, %d remediations exactly once, "
                        + "per-VM counts all 1, per-host %s; %d s%n", PANICS, batches.size(), KILLS,
                scenario.expectedRemediations().size(), perHostCounts,
                Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    /** Waits until the log shows the {@code n}th transition to RUNNING (the log is appended across restarts). */
    private static void awaitRunning(PanicwatchProcess streams, int n) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!streams.isAlive()) {
                throw new AssertionError("streams process exited; see " + streams.logFile());
            }
            String log = streams.log();
            return log.split("-> RUNNING", -1).length - 1 >= n;
        });
    }

    /** This run's remediations on a read_committed consumer, everything committed so far. */
    private static List<RemediationEvent> remediations(StackEndpoints stack, String run) {
        return TopicFixture.readAll(stack.clientConfig(), Topics.REMEDIATIONS, RemediationEvent.class).stream()
                .map(ConsumerRecord::value).filter(e -> e.getVmId().startsWith(run + "/")).toList();
    }

    /** Sum over all windows of each key in a window count store. */
    private static Map<String, Long> totals(PanicwatchApp app, String store, List<String> keys) {
        ReadOnlyWindowStore<String, Long> counts = await().atMost(Duration.ofSeconds(30))
                .ignoreException(InvalidStateStoreException.class)
                .until(() -> app.streams().store(StoreQueryParameters.fromNameAndType(store,
                        QueryableStoreTypes.<String, Long>windowStore())), s -> s != null);
        return keys.stream().collect(Collectors.toMap(Function.identity(), key -> {
            long total = 0;
            try (WindowStoreIterator<Long> windows = counts.fetch(key, Instant.EPOCH, Instant.now())) {
                while (windows.hasNext()) {
                    KeyValue<Long, Long> window = windows.next();
                    total += window.value;
                }
            }
            return total;
        }));
    }
}
