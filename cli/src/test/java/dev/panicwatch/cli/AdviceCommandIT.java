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

import com.dd.plist.NSDictionary;
import com.dd.plist.PropertyListParser;

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
 * {@code ./panicwatch advice} against the real query API of a streams app that advised the bundled seed scenario on
 * the real broker and registry: pve1/101's TLB-flush panic on the overloaded host gives
 * {@code keepsyms=1 tlbto_us=0 vti=9} (worked by hand in the seed's README), which lands in an OpenCore config.plist.
 */
@IntegrationTest
class AdviceCommandIT {

    private static final String GUID = "7C436110-AB2A-4BBB-A880-FE41995C9F82";

    @Test
    void theSeedsAdviceLandsInTheConfigPlist(StackEndpoints stack, @TempDir Path dir) throws Exception {
        Map<String, Object> kafka = new HashMap<>(stack.clientConfig());
        kafka.put("application.id", "advice-it-" + System.nanoTime());
        kafka.put("state.dir", Files.createDirectories(dir.resolve("state")).toString());
        // The topics are shared with other tests: a fresh group reads only what this test replays.
        kafka.put("consumer.auto.offset.reset", "latest");
        PipelineSettings quick = PipelineSettings.from(Map.of(), Map.of("PANICWATCH_GRACE", "PT2S",
                "PANICWATCH_PUNCTUATION_INTERVAL", "PT1S"));
        Path plist = Files.writeString(dir.resolve("config.plist"), OpenCorePlists.full("keepsyms=1"));

        try (ServedApp served = ServedApp.start(quick, kafka, new QueryApiSettings(0, "localhost", Optional.of("t")))) {
            assertThat(served.app().awaitRunning(Duration.ofSeconds(90))).as("streams app running").isTrue();
            PanicReportFactory factory = new PanicReportFactory();
            try (IdempotentPublisher publisher = IdempotentPublisher.create(
                    KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()))) {
                new ScenarioReplayer(factory, Clock.systemUTC(), line -> { })
                        .replay(new ScenarioReader(factory).read(BundledScenarios.extract(BundledScenarios.SEED,
                                dir.resolve("seed"))), false, publisher);
            }
            String[] advice = {"advice", "--vm", "pve1/101", "--opencore-config", plist.toString(), "--api",
                    served.url(), "--token", "t"};
            // Until the panic is decided the API says the VM has no remediation yet (exit 1); then the change.
            CliRun shown = await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> CliRun.of(advice), run -> run.exitCode() == 0);
            assertThat(shown.out()).contains("VM pve1/101: advice of ")
                    .contains("(RAISE_VTI, DISABLE_TLB_TIMEOUT, REDUCE_HOST_LOAD)")
                    .contains("  from: \"keepsyms=1\"\n  to:   \"keepsyms=1 tlbto_us=0 vti=9\"\n");

            String[] apply = java.util.Arrays.copyOf(advice, advice.length + 1);
            apply[advice.length] = "--apply";
            CliRun applied = CliRun.of(apply);
            assertThat(applied.exitCode()).as(applied.err()).isZero();
        }
        NSDictionary root = (NSDictionary) PropertyListParser.parse(plist);
        NSDictionary add = (NSDictionary) ((NSDictionary) root.get("NVRAM")).get("Add");
        assertThat(((NSDictionary) add.get(GUID)).get("boot-args").toJavaObject())
                .isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(AdviceCommand.lint(plist, "keepsyms=1 tlbto_us=0 vti=9")).isNull();
    }
}
