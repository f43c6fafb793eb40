package dev.panicwatch.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.common.Node;

import dev.panicwatch.kafka.registry.AvroSerde;
import dev.panicwatch.localstack.LocalStack;
import dev.panicwatch.schemas.HostLoadSample;

/**
 * {@code ./panicwatch bench --history} (issue 16, item 1): a fleet's history is produced to host-load, one streams
 * process reads it all (timed as the throughput phase is), is killed with SIGKILL and started again on the same
 * state folder, as RestartWithHistoryIT does to the same command; a panic published right after the restart is timed
 * to its advice. The restarted process logs at INFO so its RestoreProgressLog lines and its "-> RUNNING" are there to
 * read.
 */
final class CrashRestartBench {

    /**
     * Session timeout of the streams process, as the reliability suite sets it (docs/reliability.md): a SIGKILLed
     * member never leaves its group, so the restarted one gets its tasks back only when the old session expires.
     * Production's default (45 s) would add up to 35 s to both times; --app-env KAFKA_SESSION_TIMEOUT_MS measures it.
     */
    static final long SESSION_TIMEOUT_MS = 10_000;

    private static final Pattern RESTORED = Pattern.compile("restored store \\S+ from \\S+: (\\d+) records");

    private final HistoryPlan plan;
    private final Map<String, String> appEnv;
    private final Consumer<String> progress;

    CrashRestartBench(HistoryPlan plan, Map<String, String> appEnv, Consumer<String> progress) {
        this.plan = plan;
        this.appEnv = Map.copyOf(appEnv);
        this.progress = progress;
    }

    CrashRestartReport measure(ChildJvms children, Path workDir) throws Exception {
        double loadStart = ProcStatus.loadAverage1();
        progress.accept("starting the local stack");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.ephemeral())) {
            String bootstrap = stack.bootstrapServers();
            BenchRun.createInputTopics(bootstrap);
            BenchFleet fleet = new BenchFleet(plan.vms(), Math.toIntExact(plan.samplesPerVm()),
                    Instant.now().truncatedTo(ChronoUnit.MINUTES), plan.sampleInterval());
            AvroSerde<HostLoadSample> serde = AvroSerde.forType(HostLoadSample.class,
                    Map.of("schema.registry.url", stack.schemaRegistryUrl()));
            progress.accept(String.format("preloading %,d load samples: %,d VMs x %s every %s", fleet.samples(),
                    fleet.vms(), plan.history(), plan.sampleInterval()));
            new SampleLoader(bootstrap).load(fleet, serde.serializer(), progress);

            Map<String, String> env = new HashMap<>(Map.of("KAFKA_SESSION_TIMEOUT_MS", Long.toString(SESSION_TIMEOUT_MS)));
            env.putAll(BenchRun.streamsEnvironment(stack, workDir, 1, appEnv, progress));
            env.put("PANICWATCH_LOG_LEVEL", "INFO"); // the restore and state lines are INFO
            Path stateDir = Path.of(env.get("KAFKA_STATE_DIR"));
            PipelineBenchmark bench = new PipelineBenchmark(bootstrap, stack.schemaRegistryUrl(), progress);
            // A generous bound from the plan's own worst case, so a slow machine is not cut short.
            Duration timeout = Duration.ofSeconds(Math.max(900, 2 * plan.worstCaseSeconds()));

            progress.accept("starting the streams process on the history");
            Instant started = Instant.now();
            StreamsProcess first = StreamsProcess.startLoggingTo(children, env, workDir.resolve("streams.log"), null);
            PipelineBenchmark.Throughput throughput = bench.awaitAllProcessed(first, started, timeout);
            progress.accept(String.format("history processed: %.0f samples/s over %.2f s (second half: %.0f)",
                    throughput.samplesPerSec(), throughput.seconds(), throughput.secondHalfPerSec()));

            progress.accept("SIGKILL to the streams process " + first.pid() + ", then a restart on its state");
            first.kill();
            long restarted = System.nanoTime();
            try (StreamsProcess second = StreamsProcess.startLoggingTo(children, env,
                    workDir.resolve("streams-restart.log"), null)) {
                // Published at once, so its advice waits for whatever the restart costs: join, restore, backlog.
                // RUNNING is watched beside it and timed on its own: the state updater lets a restored task process
                // while the client is still PARTITIONS_ASSIGNED, so the advice may even come first.
                AtomicLong runningAt = new AtomicLong();
                Thread watcher = new Thread(() -> runningAt.set(awaitRunning(second, timeout)), "bench-running-watch");
                watcher.setDaemon(true);
                watcher.start();
                long adviceSeen = bench.adviceSeenNanos(fleet, 0, BenchRun.decidablePanicTime(fleet), second,
                        timeout);
                watcher.join(timeout.toMillis());
                if (runningAt.get() == 0) {
                    throw new IllegalStateException("the restarted streams process gave advice but its log shows no "
                            + "-> RUNNING; its log: " + second.lastLogLines());
                }
                long restored = recordsRestored(second.log());
                // After a clean stop: RocksDB runs without its write-ahead log under Kafka Streams, so until a flush
                // the restored records sit in memtables and the folder shows a fraction of what the state takes.
                second.close();
                long stateBytes = bytesUnder(stateDir);
                long changelogBytes = changelogBytes(bootstrap);
                return new CrashRestartReport(plan, throughput.samplesPerSec(), throughput.secondHalfPerSec(),
                        throughput.seconds(), throughput.startupSeconds(), (runningAt.get() - restarted) / 1e9,
                        (adviceSeen - restarted) / 1e9, restored, stateBytes, changelogBytes,
                        Long.parseLong(env.get("KAFKA_SESSION_TIMEOUT_MS")),
                        Runtime.getRuntime().availableProcessors(), loadStart, ProcStatus.loadAverage1(), appEnv);
            }
        }
    }

    /** nanoTime of the first "-> RUNNING" in the process's log; 0 when it exited or the timeout passed first. */
    private static long awaitRunning(StreamsProcess streams, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (streams.log().contains("-> RUNNING")) {
                    return System.nanoTime();
                }
                Thread.sleep(50);
            }
        } catch (IOException | InterruptedException e) {
            return 0;
        }
        return 0;
    }

    /** Records restored, summed over RestoreProgressLog's "restored store ... N records" lines. */
    static long recordsRestored(String log) {
        Matcher m = RESTORED.matcher(log);
        long sum = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(1));
        }
        return sum;
    }

    static long bytesUnder(Path dir) throws IOException {
        try (Stream<Path> tree = Files.walk(dir)) {
            return tree.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    return 0; // a RocksDB file compacted away while the tree was walked
                }
            }).sum();
        }
    }

    /** The changelog topics' size on the broker: the log dir sizes of every *-changelog partition. */
    private static long changelogBytes(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            Collection<Node> nodes = admin.describeCluster().nodes().get();
            Map<Integer, Map<String, LogDirDescription>> dirs = admin
                    .describeLogDirs(nodes.stream().map(Node::id).toList()).allDescriptions().get();
            return dirs.values().stream().flatMap(byDir -> byDir.values().stream())
                    .flatMap(d -> d.replicaInfos().entrySet().stream())
                    .filter(e -> e.getKey().topic().endsWith("-changelog"))
                    .mapToLong(e -> e.getValue().size()).sum();
        }
    }
}
