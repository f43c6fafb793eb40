package dev.panicwatch.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.panicwatch.diagnosis.classify.PanicClassifier;
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
import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSetting;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.app.ServedApp;
import dev.panicwatch.streams.remediations.CommittedFeed;
import dev.panicwatch.streams.remediations.RemediationFeed;
import dev.panicwatch.streams.topology.PanicwatchSerdes;

/**
 * The embedded default, end to end: local broker and registry, the streams app in this process, a scenario replayed
 * through the idempotent publisher, and every remediation and advice outcome printed as it arrives on a
 * read_committed consumer. By default the bundled seed scenario, then, once its advice is in, the bundled loop
 * scenario (advice applied and working, applied and not enough, a peer warned).
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Run the whole pipeline on the embedded stack: start a local Kafka broker and schema registry, "
                + "the streams app, replay a scenario and print each remediation and each advice outcome (ADVISED, "
                + "APPLIED, EFFECTIVE, INEFFECTIVE, NOT_APPLIED) as it arrives.",
                "Runs until Ctrl-C, or until --exit-after-remediations and --exit-after-outcomes were printed; then "
                        + "stops everything it started. Progress goes to standard error, the events to standard "
                        + "output."})
final class DemoCommand implements Callable<Integer> {

    /**
     * The demo decides faster than production: a replayed scenario arrives all at once, so nothing is late and a long
     * grace would only delay the advice. It also judges advice outcomes over 30 minutes instead of a day, so the
     * bundled loop scenario needs 70 minutes of samples, not a day of them (its README works the figures out with
     * these). Because the replay arrives all at once, a partition's samples of the next 70 minutes are read before a
     * panic of the scenario's start is decided; a 2-hour raw window keeps every figure on the raw samples, as it is
     * live, where samples arrive as they are taken (docs/design.md#load-history). Environment variables still win.
     */
    static final Map<String, String> DEMO_PIPELINE_DEFAULTS = Map.of(
            PipelineSetting.GRACE.property(), "PT15S",
            PipelineSetting.PUNCTUATION_INTERVAL.property(), "PT1S",
            PipelineSetting.EFFECTIVE_AFTER.property(), "PT30M",
            PipelineSetting.APPLY_DEADLINE.property(), "PT30M",
            PipelineSetting.RAW_LOAD_RETENTION.property(), "PT2H");

    /** How long the default run waits for the seed's advice before it replays the loop scenario anyway. */
    private static final Duration SEED_ADVICE_WAIT = Duration.ofMinutes(3);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--scenario", paramLabel = "DIR",
            description = "Scenario folder with events.jsonl (default: the bundled seed scenario: an overloaded "
                    + "32-CPU Proxmox host with macOS CI VMs, and a quiet host; then, once its advice is in, the "
                    + "bundled loop scenario: guests that apply the advice, one that still panics, a peer warned).")
    Path scenarioDir;

    @Option(names = "--exit-after-remediations", paramLabel = "N",
            description = "Stop after N remediations were printed (default: run until Ctrl-C). Advice outcomes do "
                    + "not count; those committed with the Nth remediation are printed before the demo stops.")
    Integer exitAfter;

    @Option(names = "--exit-after-outcomes", paramLabel = "N",
            description = "Stop after N advice-outcome events were printed (with --exit-after-remediations: once "
                    + "both counts are reached).")
    Integer exitAfterOutcomes;

    @Option(names = "--json", description = "Print each event as one JSON object a line: \"kind\" (\"remediation\" "
            + "or \"adviceOutcome\"), then the record's Avro fields.")
    boolean json;

    @Option(names = "--keep-times", description = "Replay the scenario's times as written instead of moving them to now.")
    boolean keepTimes;

    @Option(names = "--api-port", paramLabel = "PORT", defaultValue = "8080",
            description = "Port of the query API and dashboard (default: ${DEFAULT-VALUE}; 0 = any free port). "
                    + "When it is taken, a free port is used instead.")
    int apiPort;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "PT5M",
            description = "With --exit-after-remediations or --exit-after-outcomes: give up (exit 1) when they have "
                    + "not all arrived by then (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public Integer call() throws Exception {
        if (exitAfter != null && exitAfter < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--exit-after-remediations must be at least 1");
        }
        if (exitAfterOutcomes != null && exitAfterOutcomes < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--exit-after-outcomes must be at least 1");
        }
        PrintStream progress = System.err;
        PanicReportFactory factory = new PanicReportFactory();
        Path tmp = Files.createTempDirectory("panicwatch-demo-");
        List<Scenario> scenarios;
        try {
            scenarios = scenarioDir != null ? List.of(read(factory, scenarioDir, scenarioDir.toString(), progress))
                    : List.of(read(factory, BundledScenarios.extract(BundledScenarios.SEED, tmp.resolve("seed")),
                            "seed (bundled)", progress),
                    read(factory, BundledScenarios.extract(BundledScenarios.LOOP, tmp.resolve("loop")),
                            "loop (bundled, replayed once the seed's advice is in)", progress));
        } catch (ScenarioException e) {
            progress.println("panicwatch demo: " + e.getMessage());
            deleteQuietly(tmp);
            return 1;
        }

        PipelineSettings settings = PipelineSettings.from(DEMO_PIPELINE_DEFAULTS, System.getenv(),
                PanicwatchVariables.NOT_PIPELINE_SETTINGS);
        progress.println("starting the local stack (Kafka broker and Apicurio schema registry)…");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.ephemeral())) {
            progress.println("stack up: bootstrap.servers=" + stack.bootstrapServers() + " schema.registry.url="
                    + stack.schemaRegistryUrl());
            KafkaConnection connection = KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl());
            KafkaConnection streamsConnection = connection.with(Map.of("application.id", "panicwatch-demo",
                    "state.dir", tmp.resolve("streams-state").toString()));
            // Exactly-once commits every 100 ms by default; remediations and outcomes become visible to
            // read_committed then, a remediation together with the outcomes it caused.
            try (ServedApp served = ServedApp.start(settings, streamsConnection.clientConfig(), apiSettings(progress));
                 FeedPrinter<RemediationEvent> remediations = FeedPrinter.start(Topics.REMEDIATIONS,
                         RemediationFeed.committed(connection, FEED_TIMEOUT), e -> DemoEventText.remediation(e, json),
                         e -> e.getVmId().toString(), exitAfter, System.out);
                 FeedPrinter<AdviceOutcome> outcomes = FeedPrinter.start(Topics.ADVICE_OUTCOMES,
                         CommittedFeed.open(connection, Topics.ADVICE_OUTCOMES, PanicwatchSerdes.fromConfig(
                                 connection.clientConfig()).adviceOutcomes().deserializer(), FEED_TIMEOUT),
                         o -> DemoEventText.outcome(o, json), o -> o.getVmId().toString(), exitAfterOutcomes,
                         System.out)) {
                if (!served.app().awaitRunning(Duration.ofSeconds(90))) {
                    progress.println("panicwatch demo: the streams app did not reach RUNNING within 90 s");
                    return 1;
                }
                progress.println("topics ready, streams app running; dashboard and query API at " + served.url());
                try (IdempotentPublisher publisher = IdempotentPublisher.create(connection)) {
                    for (int i = 0; i < scenarios.size(); i++) {
                        if (i > 0 && !awaitAdviceOf(scenarios.get(i - 1), remediations, outcomes, progress)) {
                            break; // already done: what the user asked to see has been printed
                        }
                        replay(scenarios.get(i), factory, publisher, settings, progress);
                    }
                }
                return waitForEnd(remediations, outcomes, progress);
            }
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static final Duration FEED_TIMEOUT = Duration.ofSeconds(30);

    private static Scenario read(PanicReportFactory factory, Path folder, String name, PrintStream progress)
            throws IOException, ScenarioException {
        Scenario scenario = new ScenarioReader(factory).read(folder);
        progress.printf("scenario %s: %d load samples, %d panic reports, %d guest states%n", name,
                scenario.count(ScenarioEvent.Load.class), scenario.count(ScenarioEvent.Panic.class),
                scenario.count(ScenarioEvent.Guest.class));
        return scenario;
    }

    private void replay(Scenario scenario, PanicReportFactory factory, IdempotentPublisher publisher,
                        PipelineSettings settings, PrintStream progress) {
        ScenarioReplayer.ReplayResult result = new ScenarioReplayer(factory, Clock.systemUTC(),
                line -> progress.println("replay: " + line)).replay(scenario, keepTimes, publisher);
        progress.printf("replayed %d load samples, %d panic reports and %d guest states; waiting for "
                        + "remediations (decided %s after each panic's load window closes)%n",
                result.loadSamples(), result.panicReports(), result.guestStates(), settings.grace());
    }

    /**
     * Before the next scenario: waits until each VM of {@code scenario} that had a timeout panic got its advice, so
     * the scenarios' events do not interleave (and {@code --exit-after-remediations 4} still means the seed's four).
     * False when the exit condition was met meanwhile, so nothing more is replayed.
     */
    private boolean awaitAdviceOf(Scenario scenario, FeedPrinter<RemediationEvent> remediations,
                                  FeedPrinter<AdviceOutcome> outcomes, PrintStream progress)
            throws InterruptedException {
        Set<String> advised = timeoutPanicVms(scenario);
        if (!remediations.awaitVms(advised, SEED_ADVICE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
            progress.println("the advice for " + advised + " has not all come within " + SEED_ADVICE_WAIT
                    + "; replaying the next scenario anyway");
        }
        if ((exitAfter != null || exitAfterOutcomes != null)
                && (exitAfter == null || remediations.printed() >= exitAfter)
                && (exitAfterOutcomes == null || outcomes.printed() >= exitAfterOutcomes)) {
            return false;
        }
        progress.println("advice for " + advised + " printed; replaying the next scenario");
        return true;
    }

    /** The VMs of the scenario with a timeout panic: those the pipeline advises (docs/design.md#advice-rules). */
    private static Set<String> timeoutPanicVms(Scenario scenario) {
        PanicClassifier classifier = new PanicClassifier();
        PanicReportFactory factory = new PanicReportFactory();
        Set<String> vms = new LinkedHashSet<>();
        for (ScenarioEvent event : scenario.events()) {
            if (event instanceof ScenarioEvent.Panic panic) {
                try {
                    PanicReport report = factory.create(panic.content(), panic.vm(), panic.time(), panic.time());
                    if (classifier.classify(report.getPanicString().toString(),
                            report.getXnuVersion() == null ? null : report.getXnuVersion().toString(),
                            report.getBootArgs() == null ? null : report.getBootArgs().toString())
                            .panicClass().isTimeout()) {
                        vms.add(panic.vm().vmId());
                    }
                } catch (dev.panicwatch.diagnosis.parse.UnparseableReportException e) {
                    // ScenarioReader kept only reports that parse
                }
            }
        }
        return vms;
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

    private int waitForEnd(FeedPrinter<RemediationEvent> remediations, FeedPrinter<AdviceOutcome> outcomes,
                           PrintStream progress) throws InterruptedException {
        if (exitAfter == null && exitAfterOutcomes == null) {
            progress.println("running; press Ctrl-C to stop");
            new CountDownLatch(1).await();
            return 0;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean remediationsIn = exitAfter == null
                || remediations.awaitPrinted(exitAfter, deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        boolean outcomesIn = remediationsIn && (exitAfterOutcomes == null
                || outcomes.awaitPrinted(exitAfterOutcomes, deadline - System.nanoTime(), TimeUnit.NANOSECONDS));
        if (!remediationsIn) {
            progress.printf("panicwatch demo: only %d of %d remediations arrived within %s%n", remediations.printed(),
                    exitAfter, timeout);
            return 1;
        }
        if (!outcomesIn) {
            progress.printf("panicwatch demo: only %d of %d advice outcomes arrived within %s%n", outcomes.printed(),
                    exitAfterOutcomes, timeout);
            return 1;
        }
        if (exitAfterOutcomes == null) {
            // The outcomes the pipeline committed with the last remediation belong with it.
            outcomes.finish(Duration.ofSeconds(10));
        }
        progress.println((exitAfter == null ? "" : exitAfter + " remediation(s) ")
                + (exitAfterOutcomes == null ? "" : (exitAfter == null ? "" : "and ") + exitAfterOutcomes
                + " advice outcome(s) ") + "printed; stopping");
        return 0;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException ignored) {
            // a temporary folder; the OS cleans it eventually
        }
    }
}
