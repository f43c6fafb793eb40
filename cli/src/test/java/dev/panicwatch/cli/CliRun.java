package dev.panicwatch.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * One run of the panicwatch command line inside the test JVM, with what it printed: results go to stdout, progress
 * and errors (picocli's included: its error writer wraps System.err when first used) to stderr.
 */
record CliRun(int exitCode, String out, String err) {

    /** Synchronized because System.out and System.err belong to the whole JVM. */
    static CliRun of(String... args) {
        return of(Panicwatch::commandLine, args);
    }

    /**
     * Runs ARGS on a command line the test prepares (e.g. a subcommand given a fixed clock). It is made once the
     * streams are redirected: picocli's writers take System.out and System.err as they are then.
     */
    static synchronized CliRun of(java.util.function.Supplier<picocli.CommandLine> commandLine, String... args) {
        PrintStream originalOut = System.out;
        PrintStream originalErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = commandLine.get().execute(args);
            return new CliRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(originalOut);
            System.setErr(originalErr);
        }
    }

    /** Repeats what the run printed on the test's own streams, so a long run's progress is in the build log. */
    CliRun echo() {
        System.out.print(out);
        System.err.print(err);
        return this;
    }
}
