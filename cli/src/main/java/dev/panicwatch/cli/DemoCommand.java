package dev.panicwatch.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.replay.BundledScenarios;
import dev.panicwatch.ingest.replay.Scenario;
import dev.panicwatch.ingest.replay.ScenarioEvent;
import dev.panicwatch.ingest.replay.ScenarioException;
import dev.panicwatch.ingest.replay.ScenarioReader;
import dev.panicwatch.ingest.replay.ScenarioReplayer;
import dev.panicwatch.localstack.LocalStack;
import dev.panicwatch.streams.config.PipelineSetting;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.app.ServedApp;

/**
 * The embedded default, end to end: local broker and registry, the streams app in this process, a scenario replayed
 * through the idempotent publisher, and every remediation printed as it arrives on a read_committed consumer.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on the embedded stack: start a local Kafka broker and schema registry, "
                + "the streams app, replay a scenario and print each remediation as it arrives.",
                "Runs until Ctrl-C, or until --exit-after-remediations were printed; then stops everything it "
                        + "started. Progress goes to standard error, remediations to standard output."})
final class DemoCommand implements Callable<Integer> {

    /**
     * The demo decides faster than production: a replayed scenario arrives all at once, so nothing is late and a long
     * grace would only delay the advice. Environment variables still win.
     */
    static final Map<String, String> DEMO_PIPELINE_DEFAULTS = Map.of(
            PipelineSetting.GRACE.property(), "PT15S",
            PipelineSetting.PUNCTUATION_INTERVAL.property(), "PT1S");

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--scenario", paramLabel = "DIR",
            description = "Scenario folder with events.jsonl (default: the bundled seed scenario: an overloaded "
                    + "32-CPU Proxmox host with macOS CI VMs, and a quiet host).")
    Path scenarioDir;

    @Option(names = "--exit-after-remediations", paramLabel = "N",
            description = "Stop after N remediations were printed (default: run until Ctrl-C).")
    Integer exitAfter;

    @Option(names = "--json", description = "Print each remediation as one JSON object a line (Avro field names).")
    boolean json;

    @Option(names = "--keep-times", description = "Replay the scenario's times as written instead of moving them to now.")
    boolean keepTimes;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port of the query API and dashboard (default: ${DEFAULT-VALUE}; 0 = any free port). "
                    + "When it is taken, a free port is used instead.")
    int apiPort;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT5M",
            description = "With --exit-after-remediations: give up (exit 1) when they have not all arrived by then "
                    + "(default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        if (exitAfter != null && exitAfter < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--exit-after-remediations must be at least 1");
        }
        PrintStream progress = System.err;
        PanicReportFactory factory = new PanicReportFactory();
        Path tmp = Files.createTempDirectory("panicwatch-demo-");
        Path folder = scenarioDir != null ? scenarioDir : BundledScenarios.extract(BundledScenarios.SEED, tmp.resolve("scenario"));
        Scenario scenario;
        try {
            scenario = new ScenarioReader(factory).read(folder);
        } catch (ScenarioException e) {
            progress.println("panicwatch demo: " + e.getMessage());
            return 1;
        }
        progress.printf("scenario %s: %d load samples, %d panic reports%n", scenarioDir != null ? folder : "seed (bundled)",
                scenario.count(ScenarioEvent.Load.class), scenario.count(ScenarioEvent.Panic.class));

        PipelineSettings settings = PipelineSettings.from(DEMO_PIPELINE_DEFAULTS, System.getenv(),
                PanicwatchVariables.NOT_PIPELINE_SETTINGS);
        progress.println("starting the local stack (Kafka broker and Apicurio schema registry)…");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.ephemeral())) {
            progress.println("stack up: bootstrap.servers=" + stack.bootstrapServers() + " schema.registry.url="
                    + stack.schemaRegistryUrl());
            KafkaConnection connection = KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl());
            KafkaConnection streamsConnection = connection.with(Map.of("application.id", "panicwatch-demo",
                    "state.dir", tmp.resolve("streams-state").toString()));
            // Exactly-once commits every 100 ms by default; remediations become visible to read_committed then.
            try (ServedApp served = ServedApp.start(settings, streamsConnection.clientConfig(), apiSettings(progress));
                 RemediationPrinter printer = RemediationPrinter.start(connection, json, System.out)) {
                if (!served.app().awaitRunning(Duration.ofSeconds(90))) {
                    progress.println("panicwatch demo: the streams app did not reach RUNNING within 90 s");
                    return 1;
                }
                progress.println("topics ready, streams app running; dashboard and query API at " + served.url());
                try (IdempotentPublisher publisher = IdempotentPublisher.create(connection)) {
                    ScenarioReplayer.ReplayResult result = new ScenarioReplayer(factory, Clock.systemUTC(),
                            line -> progress.println("replay: " + line)).replay(scenario, keepTimes, publisher);
                    progress.printf("replayed %d load samples, %d panic reports and %d guest states; waiting for "
                                    + "remediations (decided %s after each panic's load window closes)%n",
                            result.loadSamples(), result.panicReports(), result.guestStates(), settings.grace());
                }
                return waitForEnd(printer, progress);
            }
        } finally {
            deleteQuietly(tmp);
        }
    }

    /** The demo's API: the requested port, or any free one when it is taken (the demo must not fail on that). */
    private QueryApiSettings apiSettings(PrintStream progress) {
        if (apiPort < 0 || apiPort > 65_535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--api-port must be 0..65535");
        }
        int port = apiPort;
        if (port != 0) {
            try (ServerSocket probe = new ServerSocket(port)) {
                probe.setReuseAddress(true);
            } catch (IOException taken) {
                progress.println("port " + port + " is taken; the query API uses a free port instead");
                port = 0;
            }
        }
        return new QueryApiSettings(port, "localhost", Optional.empty());
    }

    private int waitForEnd(RemediationPrinter printer, PrintStream progress) throws InterruptedException {
        if (exitAfter == null) {
            progress.println("running; press Ctrl-C to stop");
            new CountDownLatch(1).await();
            return 0;
        }
        if (printer.awaitPrinted(exitAfter, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            progress.println(exitAfter + " remediation(s) printed; stopping");
            return 0;
        }
        progress.printf("panicwatch demo: only %d of %d remediations arrived within %s%n", printer.printed(),
                exitAfter, timeout);
        return 1;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temporary folder; the OS cleans it eventually
        }
    }
}
