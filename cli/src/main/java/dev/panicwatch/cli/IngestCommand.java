package dev.panicwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./panicwatch ingest <what>}: the collectors that feed Kafka. */
@Command(name = "ingest", mixinStandardHelpOptions = true,
        description = "Run a collector that publishes to Kafka.",
        subcommands = {IngestPanicsCommand.class, IngestHttpCommand.class, IngestHostCommand.class})
final class IngestCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }
}
