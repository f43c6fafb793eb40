package dev.panicwatch.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
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
import dev.panicwatch.cli.bench.CrashRestartReport;
import dev.panicwatch.cli.bench.GuestStatePlan;
import dev.panicwatch.cli.bench.HistoryPlan;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure Panicwatch on a fresh local stack: Kafka's own producer/consumer perf tools as the "
                + "baseline, then load samples through the topology on one exactly-once streams process "
                + "(samples/s, ratio to the producer), panic -> remediation latency, with guest states flowing "
                + "(--guest-state-every), the streams process's peak RSS, "
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

    @Option(names = "--guest-state-every", paramLabel = "N",
            description = "A guest state per VM every N samples on guest-state, as the guest agent reports every 5 "
                    + "minutes, plus each panic's and the advice applied by every other panicked VM; 0 for none "
                    + "(default: 30, i.e. 5 min at 10 s samples).")
    Integer guestStateEvery;

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

    @Option(names = "--history", paramLabel = "DURATION",
            description = "Crash-restart mode (issue 16): preload --vms VMs with this span of samples (ISO-8601, e.g. "
                    + "PT24H), let one streams process read it all, SIGKILL it, restart it on the same state and time "
                    + "RUNNING, the advice of a panic published after the restart, the records restored, the state "
                    + "and changelog bytes per VM-day (default --vms here: 1000).")
    Duration history;

    @Option(names = "--sample-interval", paramLabel = "DURATION",
            description = "With --history: time between a VM's samples (default: PT10S, pvestatd's).")
    Duration sampleInterval;

    @Override
    public Integer call() throws Exception {
        if (history != null) {
            return callHistory();
        }
        if (sampleInterval != null) {
            throw new ParameterException(spec.commandLine(), "--sample-interval applies to --history only");
        }
        BenchRun.Sizes sizes = new BenchRun.Sizes(
                vms != null ? vms : quick ? 500 : 10_000,
                samplesPerVm != null ? samplesPerVm : quick ? 20 : 90,
                panics != null ? panics : quick ? 20 : 100,
                streamThreads, quick, guestStateEvery != null ? guestStateEvery : GuestStatePlan.DEFAULT_EVERY);
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

    private Integer callHistory() throws Exception {
        // The other modes' sizes mean nothing here; refused rather than silently ignored.
        for (var given : Map.of("--samples-per-vm", samplesPerVm != null, "--panics", panics != null,
                "--quick", quick, "--profile", profile != null, "--stream-threads", streamThreads != 1,
                "--guest-state-every", guestStateEvery != null).entrySet()) {
            if (given.getValue()) {
                throw new ParameterException(spec.commandLine(), given.getKey() + " does not apply to --history "
                        + "(its size is --vms x --history / --sample-interval, one stream thread, one panic)");
            }
        }
        String appEnvProblem = BenchRun.appEnvProblem(appEnv);
        if (appEnvProblem != null) {
            throw new ParameterException(spec.commandLine(), appEnvProblem);
        }
        HistoryPlan plan = new HistoryPlan(vms != null ? vms : 1_000, history,
                sampleInterval != null ? sampleInterval : Duration.ofSeconds(10));
        Duration retention;
        try {
            retention = BenchRun.loadRetention(appEnv);
        } catch (DateTimeParseException e) {
            throw new ParameterException(spec.commandLine(), "--app-env PANICWATCH_LOAD_RETENTION: '"
                    + appEnv.get("PANICWATCH_LOAD_RETENTION") + "' is not an ISO-8601 duration such as P1D");
        }
        String problem = plan.problem(retention,
                Path.of(System.getProperty("java.io.tmpdir")).toFile().getUsableSpace());
        if (problem != null) {
            throw new ParameterException(spec.commandLine(), problem);
        }
        CrashRestartReport report = BenchRun.runHistory(plan, appEnv, line -> System.err.println("bench: " + line));
        System.out.print(report.toText());
        if (json) {
            System.out.println(report.toJson());
        }
        return 0;
    }
}
