package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.ingest.replay.BundledScenarios;
import dev.panicwatch.ingest.replay.ScenarioReader;
import dev.panicwatch.ingest.replay.ScenarioReplayer;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.streams.app.ServedApp;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * {@code ./panicwatch query outcomes} against the real query API of a streams app on the real broker and registry
 * that followed the bundled loop scenario, replayed with its own times and the demo's outcome settings (30 min to
 * EFFECTIVE and to NOT_APPLIED), so the table's times are the scenario's as its README works them out.
 */
@IntegrationTest
class QueryOutcomesIT {

    @Test
    void theLoopsOutcomesAsATableAndAsJson(StackEndpoints stack, @TempDir Path dir) throws Exception {
        Map<String, Object> kafka = new HashMap<>(stack.clientConfig());
        kafka.put("application.id", "query-outcomes-it-" + System.nanoTime());
        kafka.put("state.dir", Files.createDirectories(dir.resolve("state")).toString());
        // The topics are shared with other tests: a fresh group reads only what this test replays.
        kafka.put("consumer.auto.offset.reset", "latest");
        PipelineSettings demo = PipelineSettings.from(DemoCommand.DEMO_PIPELINE_DEFAULTS,
                Map.of("PANICWATCH_GRACE", "PT2S"));

        try (ServedApp served = ServedApp.start(demo, kafka, new QueryApiSettings(0, "localhost", Optional.of("t")))) {
            assertThat(served.app().awaitRunning(Duration.ofSeconds(90))).as("streams app running").isTrue();
            PanicReportFactory factory = new PanicReportFactory();
            try (IdempotentPublisher publisher = IdempotentPublisher.create(
                    KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()))) {
                new ScenarioReplayer(factory, Clock.systemUTC(), line -> { })
                        .replay(new ScenarioReader(factory).read(BundledScenarios.extract(BundledScenarios.LOOP,
                                dir.resolve("loop"))), true, publisher);
            }
            String api = served.url();
            // pve4/401 ends NOT_APPLIED at its last sample, pve3/301 EFFECTIVE at its last one (the README).
            CliRun pve4 = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> CliRun.of("query", "outcomes", "--host", "pve4", "--api", api, "--token", "t"),
                            run -> run.exitCode() == 0 && run.out().contains("NOT_APPLIED"));
            CliRun pve3 = await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> CliRun.of("query", "outcomes", "--host", "pve3", "--api", api, "--token", "t"),
                            run -> run.exitCode() == 0 && run.out().contains("EFFECTIVE"));
            assertThat(pve4.out()).isEqualTo("""
                    Advice outcomes (host pve4): 1 VM
                    VM        HOST  STATUS       SINCE                 ADVISED BOOT-ARGS             ADVISED               APPLIED  TIMEOUT PANICS/DAY BEFORE -> AFTER
                    pve4/401  pve4  NOT_APPLIED  2026-03-02T11:04:00Z  keepsyms=1 tlbto_us=0 vti=12  2026-03-02T10:34:00Z  -        96.0 (2 in 30 min) -> -
                    """);
            assertThat(pve3.out()).isEqualTo("""
                    Advice outcomes (host pve3): 1 VM
                    VM        HOST  STATUS     SINCE                 ADVISED BOOT-ARGS            ADVISED               APPLIED               TIMEOUT PANICS/DAY BEFORE -> AFTER
                    pve3/301  pve3  EFFECTIVE  2026-03-02T10:55:10Z  keepsyms=1 tlbto_us=0 vti=9  2026-03-02T10:15:00Z  2026-03-02T10:25:05Z  48.0 (1 in 30 min) -> 0.0 (0 in 30 min)
                    """);

            CliRun json = CliRun.of("query", "outcomes", "--status", "effective", "--host", "pve3", "--json",
                    "--api", api, "--token", "t");
            assertThat(json.exitCode()).as(json.err()).isZero();
            JsonNode answer = new ObjectMapper().readTree(json.out());
            assertThat(answer.get("status").asText()).isEqualTo("EFFECTIVE");
            assertThat(answer.get("outcomes")).hasSize(1);
            JsonNode effective = answer.get("outcomes").get(0);
            assertThat(effective.get("vmId").asText()).isEqualTo("pve3/301");
            assertThat(effective.get("appliedTime").asText()).isEqualTo("2026-03-02T10:25:05Z");
            assertThat(effective.get("after").get("samples").asInt()).isEqualTo(181);

            CliRun none = CliRun.of("query", "outcomes", "--host", "pve4", "--status", "INEFFECTIVE", "--api", api,
                    "--token", "t");
            assertThat(none.out()).isEqualTo("Advice outcomes (host pve4, status INEFFECTIVE): 0 VMs\n");

            CliRun unauthorized = CliRun.of("query", "outcomes", "--api", api);
            assertThat(unauthorized.exitCode()).isEqualTo(1);
            assertThat(unauthorized.err()).startsWith("panicwatch query: 401: ");
        }
    }
}
