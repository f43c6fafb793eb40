package dev.panicwatch.cli;

import java.io.FileDescriptor;

import org.apache.kafka.common.config.ConfigException;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import dev.panicwatch.streams.config.InvalidSettingException;

/** Entry point of {@code ./panicwatch}: one subcommand per job. */
@Command(name = "panicwatch", mixinStandardHelpOptions = true, version = "panicwatch 0.1.0",
        description = "Correlates macOS VM timeout panics with host overload and advises vti boot-args.",
        subcommands = {DemoCommand.class, ParseCommand.class, StackCommand.class, StreamsCommand.class,
                IngestCommand.class, ReplayCommand.class, QueryCommand.class, AdviceCommand.class, RemediationsCommand.class,
                BenchCommand.class, NotifyCommand.class,
                CommandLine.HelpCommand.class})
public final class Panicwatch implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        CommandLine commandLine = commandLine();
        TerminalSymbols symbols = TerminalSymbols.ofStandardOutput();
        if (symbols.needsSpelling()) {
            System.setOut(symbols.printStream(FileDescriptor.out));
            System.setErr(symbols.printStream(FileDescriptor.err));
            commandLine.setOut(symbols.printWriter(FileDescriptor.out)).setErr(symbols.printWriter(FileDescriptor.err));
        }
        System.exit(commandLine.execute(args));
    }

    /** The configured command line; tests run subcommands through it. */
    public static CommandLine commandLine() {
        return new CommandLine(new Panicwatch()).setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Panicwatch::reportConfigurationError);
    }

    /**
     * A setting the user got wrong (a PANICWATCH_* or KAFKA_* value, a registry URL) is one line naming it and exit
     * code 2, like a bad flag; anything else is a bug or an outage and keeps its stack trace.
     */
    private static int reportConfigurationError(Exception e, CommandLine command, CommandLine.ParseResult parsed)
            throws Exception {
        if (e instanceof InvalidSettingException || e instanceof ConfigException) {
            command.getErr().println("panicwatch " + command.getCommandName() + ": " + e.getMessage());
            return 2;
        }
        throw e;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
