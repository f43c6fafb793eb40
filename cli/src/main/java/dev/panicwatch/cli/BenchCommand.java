package dev.panicwatch.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import dev.panicwatch.cli.bench.BenchReport;
import dev.panicwatch.cli.bench.BenchRun;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure Panicwatch on a fresh local stack: Kafka's own producer/consumer perf tools as the "
                + "baseline, then load samples through the topology on one exactly-once streams process "
                + "(samples/s, ratio to the producer), panic -> remediation latency, the streams process's peak RSS, "
                + "the parser's MB/s and the host sampler's CPU per round.",
                "Results to stdout (with --json the last line is a JSON summary), progress to stderr. "
                        + "Everything started is stopped at the end or on Ctrl-C."})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--vms", paramLabel = "N", description = "VMs with load samples and state (default: 10000; --quick: 500).")
    Integer vms;

    @Option(names = "--samples-per-vm", paramLabel = "M",
            description = "Load samples per VM, 10 s apart; at least 16 so a panic's window holds samples (default: 90, i.e. 15 min of samples; --quick: 20).")
    Integer samplesPerVm;

    @Option(names = "--panics", paramLabel = "P", description = "Panics sent one at a time for the latency figures (default: 100; --quick: 20).")
    Integer panics;

    @Option(names = "--stream-threads", paramLabel = "T", defaultValue = "1",
            description = "num.stream.threads of the streams process (default: ${DEFAULT-VALUE}).")
    int streamThreads;

    @Option(names = "--quick", description = "Small sizes for a smoke run (a few minutes on a busy 2-core machine, mostly start-up).")
    boolean quick;

    @Option(names = "--json", description = "Print a one-line JSON summary as the last line of the output.")
    boolean json;

    @Option(names = "--app-env", paramLabel = "NAME=VALUE",
            description = "Extra environment for the streams process, to try a tuning; repeatable. Only KAFKA_* and "
                    + "PANICWATCH_* names, e.g. --app-env KAFKA_COMMIT_INTERVAL_MS=1000. Overrides the benchmark's own settings.")
    Map<String, String> appEnv = new LinkedHashMap<>();

    @Option(names = "--profile", paramLabel = "FILE",
            description = "Record a JFR profile of the streams process to FILE (inspect with `jfr print` or JMC).")
    Path profile;

    @Override
    public Integer call() throws Exception {
        BenchRun.Sizes sizes = new BenchRun.Sizes(
                vms != null ? vms : quick ? 500 : 10_000,
                samplesPerVm != null ? samplesPerVm : quick ? 20 : 90,
                panics != null ? panics : quick ? 20 : 100,
                streamThreads, quick);
        String problem = sizes.problem();
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), problem);
        }
        String appEnvProblem = BenchRun.appEnvProblem(appEnv);
        if (appEnvProblem != null) {
            throw new ParameterException(spec.commandLine(), appEnvProblem);
        }
        BenchReport report = new BenchRun(sizes, appEnv, profile == null ? null : profile.toAbsolutePath(),
                line -> System.err.println("bench: " + line)).run();
        System.out.print(report.toText());
        if (json) {
            System.out.println(report.toJson());
        }
        return 0;
    }
}
