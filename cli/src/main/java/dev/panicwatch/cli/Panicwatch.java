package dev.panicwatch.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code ./panicwatch}: one subcommand per job. */
@Command(name = "panicwatch", mixinStandardHelpOptions = true, version = "panicwatch 0.1.0",
        description = "Correlates macOS VM timeout panics with host overload and advises vti boot-args.",
        subcommands = {DemoCommand.class, ParseCommand.class, StackCommand.class, StreamsCommand.class,
                IngestCommand.class, ReplayCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Panicwatch implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /** The configured command line; tests run subcommands through it. */
    public static CommandLine commandLine() {
        return new CommandLine(new Panicwatch()).setCaseInsensitiveEnumValuesAllowed(true);
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
