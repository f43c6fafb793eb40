package dev.panicwatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.publish.TopicCheck;
import dev.panicwatch.ingest.replay.BundledScenarios;
import dev.panicwatch.ingest.replay.Scenario;
import dev.panicwatch.ingest.replay.ScenarioEvent;
import dev.panicwatch.ingest.replay.ScenarioException;
import dev.panicwatch.ingest.replay.ScenarioReader;
import dev.panicwatch.ingest.replay.ScenarioReplayer;
import dev.panicwatch.schemas.Topics;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Publish a scenario folder: DIR/events.jsonl (load samples, panics and guest states, one JSON "
                + "object a line) and the panic files it names.",
                "Line types: \"load\" (the HostLoadSample fields), \"panic\" (vmId, time, file; hostId, bootArgs), "
                        + "\"guest\" (what a guest runs, to guest-state: vmId, time, bootArgs (\"\" for none); "
                        + "optional hostId, osVersion, kernelVersion, bootTime and the other fields of POST "
                        + "/v1/guest-state). Format: docs/collectors.md, \"Replay\".",
                "Every line is checked first; a bad line stops the replay before anything is published.",
                "By default all times move by one offset so the last event is now."})
final class ReplayCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaConnectionOptions kafka;

    @Parameters(index = "0", arity = "0..1", paramLabel = "DIR", description = "Scenario folder holding events.jsonl.")
    Path dir;

    @Option(names = "--bundled", paramLabel = "NAME",
            description = "Replay a scenario shipped inside Panicwatch instead of a folder (available: "
                    + BundledScenarios.SEED + ", " + BundledScenarios.LOOP + "); the compose file's demo profile "
                    + "replays the seed.")
    String bundled;

    @Option(names = "--keep-times", description = "Publish the times as written instead of moving them to now.")
    boolean keepTimes;

    @Override
    public Integer call() throws Exception {
        if ((dir == null) == (bundled == null)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "give either a scenario folder DIR or --bundled NAME");
        }
        if (bundled != null) {
            try {
                dir = BundledScenarios.extract(bundled, Files.createTempDirectory("panicwatch-scenario-"));
            } catch (java.io.IOException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage()
                        + " (available: " + BundledScenarios.SEED + ", " + BundledScenarios.LOOP + ")");
            }
        }
        if (!Files.isDirectory(dir)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "scenario folder " + dir + " does not exist");
        }
        KafkaConnection connection;
        try {
            connection = kafka.connection();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        PanicReportFactory factory = new PanicReportFactory();
        Scenario scenario;
        try {
            // Checked before Kafka is even asked: a bad line is reported whether or not the stack is up.
            scenario = new ScenarioReader(factory).read(dir);
        } catch (ScenarioException e) {
            System.err.println("panicwatch replay: " + e.getMessage());
            return 1;
        }
        System.err.println("scenario " + dir + ": " + scenario.count(ScenarioEvent.Load.class) + " load samples, "
                + scenario.count(ScenarioEvent.Panic.class) + " panic reports, "
                + scenario.count(ScenarioEvent.Guest.class) + " guest states");
        List<String> missing;
        try {
            missing = TopicCheck.missing(connection, List.of(Topics.HOST_LOAD, Topics.PANIC_REPORTS, Topics.GUEST_STATE),
                    Duration.ofSeconds(15));
        } catch (TimeoutException e) {
            System.err.println("panicwatch replay: Kafka at " + connection.bootstrapServers()
                    + " did not answer within 15 s");
            return 1;
        }
        if (!missing.isEmpty()) {
            System.err.println("panicwatch replay: " + TopicCheck.advice(missing));
            return 1;
        }
        ScenarioReplayer replayer = new ScenarioReplayer(factory, Clock.systemUTC(), System.err::println);
        try (IdempotentPublisher publisher = IdempotentPublisher.create(connection)) {
            ScenarioReplayer.ReplayResult result = replayer.replay(scenario, keepTimes, publisher);
            System.out.println("published " + result.loadSamples() + " load samples to " + Topics.HOST_LOAD + ", "
                    + result.panicReports() + " panic reports to " + Topics.PANIC_REPORTS + " and "
                    + result.guestStates() + " guest states to " + Topics.GUEST_STATE);
            return 0;
        } catch (CompletionException e) {
            System.err.println("panicwatch replay: " + e.getMessage());
            return 1;
        }
    }
}
