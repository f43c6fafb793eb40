package dev.panicwatch.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

import dev.panicwatch.ingest.host.HostSamplerBenchmark;
import dev.panicwatch.localstack.LocalStack;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.kafka.registry.AvroSerde;
import dev.panicwatch.streams.app.TopicProvisioner;
import dev.panicwatch.streams.config.PipelineSetting;

/**
 * One {@code ./panicwatch bench} run, in order: a fresh local stack; Kafka's perf tools for the baseline; the
 * samples loaded; the streams process started and timed until it has committed them all; panics timed one by one;
 * the streams process's peak RSS; then, with the stack stopped so they have the CPUs to themselves, the parser and
 * the host sampler. Whatever was started is stopped and the work folder deleted, also on Ctrl-C.
 */
public final class BenchRun {

    /** Partitions of the input topics, the streams app's default ({@code PANICWATCH_TOPIC_PARTITIONS}). */
    private static final int PARTITIONS = Integer.parseInt(PipelineSetting.TOPIC_PARTITIONS.defaultValue());

    /** Kafka Streams' default under exactly_once_v2, set explicitly so the reported figure is the one in force. */
    static final long COMMIT_INTERVAL_MS = 100;

    /** How often the app looks for decidable panics; 10 s by default, shortened so it does not swamp the latency. */
    static final long PUNCTUATION_INTERVAL_MS = 100;

    /** Grace of the benchmarked app: none, so a decidable panic is decided at the next punctuation. */
    static final Duration BENCH_GRACE = Duration.ZERO;

    /** What is wrong with these --app-env settings, or null. */
    public static String appEnvProblem(Map<String, String> appEnv) {
        for (String name : appEnv.keySet()) {
            if (!name.startsWith("KAFKA_") && !name.startsWith("PANICWATCH_")) {
                return "--app-env " + name + ": only KAFKA_* and PANICWATCH_* settings reach the streams process";
            }
        }
        try {
            commitIntervalMs(appEnv);
        } catch (NumberFormatException e) {
            return "--app-env KAFKA_COMMIT_INTERVAL_MS: '" + appEnv.get("KAFKA_COMMIT_INTERVAL_MS")
                    + "' is not a number of milliseconds";
        }
        try {
            punctuationIntervalMs(appEnv);
        } catch (DateTimeParseException e) {
            return "--app-env PANICWATCH_PUNCTUATION_INTERVAL: '" + appEnv.get("PANICWATCH_PUNCTUATION_INTERVAL")
                    + "' is not an ISO-8601 duration such as PT0.1S";
        }
        return null;
    }

    /** The commit interval the streams process runs with: the bench's, unless --app-env set another. */
    public static long commitIntervalMs(Map<String, String> appEnv) {
        String value = appEnv.get("KAFKA_COMMIT_INTERVAL_MS");
        return value == null ? COMMIT_INTERVAL_MS : Long.parseLong(value.strip());
    }

    /** The punctuation interval the streams process runs with: the bench's, unless --app-env set another. */
    public static long punctuationIntervalMs(Map<String, String> appEnv) {
        String value = appEnv.get("PANICWATCH_PUNCTUATION_INTERVAL");
        return value == null ? PUNCTUATION_INTERVAL_MS : Duration.parse(value.strip()).toMillis();
    }

    /** @param guestStateEvery a guest state per VM every this many samples, 0 for none (GuestStatePlan) */
    public record Sizes(int vms, int samplesPerVm, int panics, int streamThreads, boolean quick, int guestStateEvery) {

        /** What is wrong with these sizes, or null. */
        public String problem() {
            if (vms < 1) {
                return "--vms must be at least 1, not " + vms;
            }
            if (samplesPerVm < 16) {
                // The panics happen 90 s before the last sample (look-ahead 1 min + 30 s); with 16 samples 10 s
                // apart their window [-10 min, +1 min] holds samples from before and after the panic.
                return "--samples-per-vm must be at least 16 (150 s of samples, so each panic's window holds samples "
                        + "from before and after it), not "
                        + samplesPerVm;
            }
            if (panics < 1 || panics > vms) {
                return "--panics must be between 1 and --vms (" + vms + "), one per VM, not " + panics;
            }
            if (streamThreads < 1) {
                return "--stream-threads must be at least 1, not " + streamThreads;
            }
            return GuestStatePlan.problem(guestStateEvery);
        }
    }

    private final Sizes sizes;
    private final Map<String, String> appEnv;
    private final Path flightRecording;
    private final Consumer<String> progress;

    /** @param appEnv extra environment of the streams process (a tuning to try); it overrides the bench's own */
    public BenchRun(Sizes sizes, Map<String, String> appEnv, Path flightRecording, Consumer<String> progress) {
        this.sizes = sizes;
        this.appEnv = Map.copyOf(appEnv);
        this.flightRecording = flightRecording;
        this.progress = progress;
    }

    /** A measurement in a work folder of its own, with the child JVMs it starts. */
    interface Measurement<T> {
        T measure(ChildJvms children, Path workDir) throws Exception;
    }

    /**
     * Runs {@code measurement}; whatever it started is stopped and its work folder deleted afterwards, also on
     * Ctrl-C.
     */
    static <T> T inWorkDir(Measurement<T> measurement) throws Exception {
        Path workDir = Files.createTempDirectory("panicwatch-bench-");
        ChildJvms children = new ChildJvms();
        Thread cleanup = new Thread(() -> {
            children.close();
            deleteTree(workDir);
        }, "bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            return measurement.measure(children, workDir);
        } finally {
            children.close();
            deleteTree(workDir);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // shutting down: the hook runs anyway
            }
        }
    }

    public BenchReport run() throws Exception {
        return inWorkDir(this::measureAll);
    }

    /** {@code --history}: the fleet's history, a SIGKILL and a restart (CrashRestartBench). */
    public static CrashRestartReport runHistory(HistoryPlan plan, Map<String, String> appEnv,
                                                Consumer<String> progress) throws Exception {
        return inWorkDir(new CrashRestartBench(plan, appEnv, progress)::measure);
    }

    /** How long the streams process keeps load samples: the app's default, unless --app-env set another. */
    public static Duration loadRetention(Map<String, String> appEnv) {
        String value = appEnv.get(PipelineSetting.LOAD_RETENTION.environmentName());
        return Duration.parse(value == null ? PipelineSetting.LOAD_RETENTION.defaultValue() : value.strip());
    }

    private BenchReport measureAll(ChildJvms children, Path workDir) throws Exception {
        double loadStart = ProcStatus.loadAverage1();
        PipelineFigures pipeline = measurePipeline(children, workDir);
        progress.accept("parser over the corpus");
        ParserThroughput.Result parser = sizes.quick()
                ? ParserThroughput.measure(Duration.ofMillis(500), Duration.ofSeconds(1))
                : ParserThroughput.measure(Duration.ofSeconds(2), Duration.ofSeconds(3));
        progress.accept("host sampler rounds");
        HostSamplerBenchmark.BenchResult sampler = HostSamplerBenchmark.run(200, 8, sizes.quick() ? 10 : 50);
        PipelineBenchmark.Latency latency = pipeline.latency.latency();
        return new BenchReport(sizes.vms(), sizes.samplesPerVm(), pipeline.fleet.samples(), pipeline.recordBytes,
                pipeline.throughput.samplesPerSec(), pipeline.throughput.secondHalfPerSec(),
                pipeline.throughput.seconds(),
                pipeline.throughput.startupSeconds(), pipeline.baseline.producer().recordsPerSec(),
                pipeline.baseline.consumer().fetchRecordsPerSec(), latency.panics(),
                latency.p50Ms(), latency.p99Ms(), latency.maxMs(), latency.meanMs(), commitIntervalMs(appEnv),
                punctuationIntervalMs(appEnv), pipeline.rssMb, parser.mbPerSec(), sampler.cpuMillisMean(), sampler.vms(),
                sizes.guestStateEvery(), pipeline.guestStates, pipeline.latency.appliedOutcomes(),
                pipeline.latency.preventiveRemediations(),
                Runtime.getRuntime().availableProcessors(), loadStart, ProcStatus.loadAverage1(), appEnv);
    }

    private record PipelineFigures(BenchFleet fleet, int recordBytes, KafkaPerfBaseline.Result baseline,
                                   PipelineBenchmark.Throughput throughput, PipelineBenchmark.LatencyRun latency,
                                   long guestStates, double rssMb) {
    }

    private PipelineFigures measurePipeline(ChildJvms children, Path workDir) throws Exception {
        progress.accept("starting the local stack");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.ephemeral())) {
            String bootstrap = stack.bootstrapServers();
            Map<String, Object> registry = Map.of("schema.registry.url", stack.schemaRegistryUrl());
            createInputTopics(bootstrap);
            BenchFleet fleet = new BenchFleet(sizes.vms(), sizes.samplesPerVm(),
                    Instant.now().truncatedTo(ChronoUnit.MINUTES));
            AvroSerde<HostLoadSample> serde = AvroSerde.forType(HostLoadSample.class, registry);
            int recordBytes = fleet.vmId(0).getBytes(StandardCharsets.UTF_8).length
                    + serde.serializer().serialize(Topics.HOST_LOAD, fleet.sample(0, 0)).length;

            progress.accept("baseline: Kafka ProducerPerformance and ConsumerPerformance, " + fleet.samples()
                    + " records of " + recordBytes + " bytes");
            KafkaPerfBaseline.Result baseline = new KafkaPerfBaseline(children, bootstrap)
                    .run(fleet.samples(), recordBytes, PARTITIONS, Duration.ofMinutes(10));
            progress.accept(String.format("baseline: producer %.0f records/s, consumer %.0f records/s",
                    baseline.producer().recordsPerSec(), baseline.consumer().fetchRecordsPerSec()));

            progress.accept("loading " + fleet.samples() + " load samples for " + fleet.vms() + " VMs");
            GuestStatePlan plan = new GuestStatePlan(sizes.guestStateEvery());
            SampleLoader.Loaded loaded = new SampleLoader(bootstrap).load(fleet, serde.serializer(), plan,
                    AvroSerde.forType(GuestState.class, registry).serializer(), progress);
            if (plan.on()) {
                progress.accept("with " + loaded.guestStates() + " guest states, one per VM every " + plan.every()
                        + " samples");
            }

            Map<String, String> env = streamsEnvironment(stack, workDir, sizes.streamThreads(), appEnv, progress);
            progress.accept("starting the streams process (exactly_once_v2, " + sizes.streamThreads()
                    + " stream thread(s))");
            Instant started = Instant.now();
            try (StreamsProcess streams = StreamsProcess.start(children, env, workDir, flightRecording)) {
                PipelineBenchmark bench = new PipelineBenchmark(bootstrap, stack.schemaRegistryUrl(), progress);
                PipelineBenchmark.Throughput throughput = bench.awaitAllProcessed(streams, started,
                        Duration.ofMinutes(15));
                progress.accept(String.format("pipeline: %.0f samples/s over %.2f s (second half: %.0f samples/s)",
                        throughput.samplesPerSec(), throughput.seconds(), throughput.secondHalfPerSec()));
                Instant panicTime = decidablePanicTime(fleet);
                progress.accept("latency: " + sizes.panics() + " panics, one at a time");
                PipelineBenchmark.LatencyRun latency = bench.measureLatency(fleet, sizes.panics(), panicTime, streams,
                        plan);
                if (plan.on()) {
                    progress.accept("outcomes: " + latency.appliedOutcomes() + " APPLIED, "
                            + latency.preventiveRemediations() + " preventive remediations");
                }
                double rss = streams.peakRssMb();
                progress.accept("stopping the streams process and the stack");
                return new PipelineFigures(fleet, recordBytes, baseline, throughput, latency,
                        loaded.guestStates() + latency.guestStates(), rss);
            }
        }
    }

    /**
     * Creates the co-partitioned input topics the samples, panics and guest states are produced to before the app
     * starts; guest-state as the app itself would (compacted).
     */
    static void createInputTopics(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            NewTopic guestState = TopicProvisioner.definitions(PARTITIONS, 1, Optional.of((short) 1)).stream()
                    .filter(t -> t.name().equals(Topics.GUEST_STATE)).findFirst().orElseThrow();
            admin.createTopics(List.of(new NewTopic(Topics.HOST_LOAD, PARTITIONS, (short) 1),
                    new NewTopic(Topics.PANIC_REPORTS, PARTITIONS, (short) 1), guestState)).all().get();
        }
    }

    /** The streams process's environment: the bench's settings, then {@code appEnv} over them. */
    static Map<String, String> streamsEnvironment(LocalStack stack, Path workDir, int streamThreads,
                                                  Map<String, String> appEnv, Consumer<String> progress) {
        String bootstrap = stack.bootstrapServers();
        Map<String, String> env = new HashMap<>(Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
                "SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl(),
                "KAFKA_STATE_DIR", workDir.resolve("state").toString(),
                "KAFKA_COMMIT_INTERVAL_MS", Long.toString(COMMIT_INTERVAL_MS),
                "KAFKA_NUM_STREAM_THREADS", Integer.toString(streamThreads),
                "PANICWATCH_PUNCTUATION_INTERVAL", Duration.ofMillis(PUNCTUATION_INTERVAL_MS).toString(),
                // A panic that arrives after its window closed waits one grace on the wall clock for its own
                // samples (they may be late too); the latency measured here is the pipeline's, not that wait.
                "PANICWATCH_GRACE", BENCH_GRACE.toString(),
                // The bench never queries the API; a fixed 8080 failed the run whenever anything else held it.
                "PANICWATCH_API_PORT", "0",
                "PANICWATCH_LOG_LEVEL", "WARN"));
        if (!appEnv.isEmpty()) {
            progress.accept("streams process settings from --app-env: " + new TreeMap<>(appEnv));
            env.putAll(appEnv);
        }
        return env;
    }

    /**
     * A panic time whose window [panic - look-back, panic + look-ahead] plus grace is already behind stream time
     * (the last samples), so the panic is decided at once by a default-configured app fed these samples.
     */
    static Instant decidablePanicTime(BenchFleet fleet) {
        return fleet.lastSampleTime()
                .minus(Duration.parse(PipelineSetting.LOOK_AHEAD.defaultValue()))
                .minus(BENCH_GRACE)
                .minusSeconds(30);
    }

    private static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> tree = Files.walk(root)) {
            tree.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    System.err.println("bench: could not delete " + p + ": " + e.getMessage());
                }
            });
        } catch (IOException e) {
            System.err.println("bench: could not delete " + root + ": " + e.getMessage());
        }
    }
}
