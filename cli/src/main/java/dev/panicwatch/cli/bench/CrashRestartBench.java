package dev.panicwatch.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.LogDirDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import dev.panicwatch.kafka.registry.AvroSerde;
import dev.panicwatch.localstack.LocalStack;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.streams.config.PipelineSetting;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.topology.StoreChangelogs;
import dev.panicwatch.streams.topology.StoreNames;

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

            long kept = trimRawChangelog(bootstrap);
            progress.accept(String.format("the changelogs hold %,d records (%,.0f per VM-day) before the kill", kept,
                    kept / plan.vmDays()));
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
                // The trim's segments are freed at the broker's retention check (every 10 s on the local stack),
                // long passed by now: the restart alone takes longer.
                long changelogBytes = changelogBytes(bootstrap);
                return new CrashRestartReport(plan, throughput.samplesPerSec(), throughput.secondHalfPerSec(),
                        throughput.seconds(), throughput.startupSeconds(), (runningAt.get() - restarted) / 1e9,
                        (adviceSeen - restarted) / 1e9, restored, stateBytes, changelogBytes,
                        Long.parseLong(env.get("KAFKA_SESSION_TIMEOUT_MS")),
                        Runtime.getRuntime().availableProcessors(), loadStart, ProcStatus.loadAverage1(), appEnv);
            }
        }
    }

    /**
     * Trims the raw load changelog to what the broker keeps of it in steady running: the raw window plus one segment
     * (docs/streams.md, "Changelog sizing"). The broker cannot do it here: the history was written within minutes,
     * and every segment also holds the transactions' commit markers, stamped with the wall clock, so each looks new
     * for the retention's length. The cut is the first record, per partition, no older than its newest record minus
     * retention.ms + segment.ms (found by bisecting offsets: a partition's samples come in sample-time order); the
     * records before it are deleted as the broker's retention would. The summaries' changelog is left whole: a day of
     * history is within its day. Returns the records all changelogs then hold.
     */
    private long trimRawChangelog(String bootstrap) throws Exception {
        // The streams process's own pipeline settings: those --app-env names, defaults for the rest.
        Map<String, String> pipelineEnv = new HashMap<>();
        for (PipelineSetting setting : PipelineSetting.values()) {
            if (appEnv.containsKey(setting.environmentName())) {
                pipelineEnv.put(setting.environmentName(), appEnv.get(setting.environmentName()));
            }
        }
        PipelineSettings settings = PipelineSettings.from(Map.of(), pipelineEnv);
        Map<String, String> sized = StoreChangelogs.sized(settings).get(StoreNames.RECENT_LOAD_PER_VM);
        long keepMillis = Long.parseLong(sized.get(TopicConfig.RETENTION_MS_CONFIG))
                + Long.parseLong(sized.get(TopicConfig.SEGMENT_MS_CONFIG));
        String topic = StoreChangelogs.topic(PipelineBenchmark.APPLICATION_ID, StoreNames.RECENT_LOAD_PER_VM);
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrap, "max.poll.records", 1,
                "enable.auto.commit", false, "key.deserializer", ByteArrayDeserializer.class,
                "value.deserializer", ByteArrayDeserializer.class);
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap));
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            Map<TopicPartition, RecordsToDelete> cuts = new HashMap<>();
            for (TopicPartition tp : partitions) {
                consumer.assign(List.of(tp)); // one at a time: a poll must answer for the offset just sought
                long newest = newestTimestamp(consumer, tp, begin.get(tp), end.get(tp));
                long cut = firstAtOrAfter(consumer, tp, begin.get(tp), end.get(tp), newest - keepMillis);
                if (cut > begin.get(tp)) {
                    cuts.put(tp, RecordsToDelete.beforeOffset(cut));
                }
            }
            admin.deleteRecords(cuts).all().get();
            long deleted = cuts.entrySet().stream()
                    .mapToLong(e -> e.getValue().beforeOffset() - begin.get(e.getKey())).sum();
            progress.accept(String.format("trimmed %s to its last %s of samples, as the broker keeps it in steady "
                    + "running: %,d records deleted", topic, Duration.ofMillis(keepMillis), deleted));
            return changelogRecords(admin);
        }
    }

    /** The latest record time among the partition's last few records (its tail may be commit markers). */
    private static long newestTimestamp(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long begin,
                                        long end) {
        long newest = Long.MIN_VALUE;
        for (long from = Math.max(begin, end - 1); from >= begin && newest == Long.MIN_VALUE; from = from - 100) {
            consumer.seek(tp, Math.max(begin, from));
            var records = consumer.poll(Duration.ofSeconds(5)).records(tp);
            for (var r : records) {
                newest = Math.max(newest, r.timestamp());
            }
            if (from == begin) {
                break;
            }
        }
        return newest;
    }

    /** The first offset in [begin, end) whose record is at or after {@code target}, by bisection. */
    private static long firstAtOrAfter(KafkaConsumer<byte[], byte[]> consumer, TopicPartition tp, long begin,
                                       long end, long target) {
        long lo = begin;
        long hi = end;
        while (lo < hi) {
            long mid = lo + (hi - lo) / 2;
            consumer.seek(tp, mid);
            var records = consumer.poll(Duration.ofSeconds(5)).records(tp);
            if (records.isEmpty()) {
                hi = mid; // only commit markers from mid on
            } else if (records.get(0).timestamp() < target) {
                lo = records.get(0).offset() + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** Records between the earliest and the latest offset of every *-changelog partition. */
    private static long changelogRecords(Admin admin) throws Exception {
        List<TopicPartition> partitions = new ArrayList<>();
        for (var d : admin.describeTopics(admin.listTopics().names().get().stream()
                .filter(t -> t.endsWith("-changelog")).toList()).allTopicNames().get().values()) {
            d.partitions().forEach(p -> partitions.add(new TopicPartition(d.name(), p.partition())));
        }
        return offsets(admin, partitions).values().stream().mapToLong(o -> o[1] - o[0]).sum();
    }

    /** {earliest, latest} offset of each partition. */
    private static Map<TopicPartition, long[]> offsets(Admin admin, Collection<TopicPartition> partitions)
            throws Exception {
        Map<TopicPartition, OffsetSpec> earliest = new HashMap<>();
        Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
        partitions.forEach(tp -> {
            earliest.put(tp, OffsetSpec.earliest());
            latest.put(tp, OffsetSpec.latest());
        });
        var from = admin.listOffsets(earliest).all().get();
        var to = admin.listOffsets(latest).all().get();
        Map<TopicPartition, long[]> offsets = new HashMap<>();
        partitions.forEach(tp -> offsets.put(tp, new long[] {from.get(tp).offset(), to.get(tp).offset()}));
        return offsets;
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

    /**
     * The changelog topics' size on the broker: the log dir size of every *-changelog partition, times the share of
     * its records from the log start offset on. A trimmed partition keeps its deleted records on disk until a whole
     * segment is below the start offset, and the one long segment this history wrote never is, so the files alone
     * would show a day; what a rebuild reads, and what steady running keeps, is the share after the start offset.
     */
    private static long changelogBytes(String bootstrap) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrap))) {
            Collection<Node> nodes = admin.describeCluster().nodes().get();
            Map<Integer, Map<String, LogDirDescription>> dirs = admin
                    .describeLogDirs(nodes.stream().map(Node::id).toList()).allDescriptions().get();
            Map<TopicPartition, Long> sizes = new HashMap<>();
            dirs.values().stream().flatMap(byDir -> byDir.values().stream())
                    .flatMap(d -> d.replicaInfos().entrySet().stream())
                    .filter(e -> e.getKey().topic().endsWith("-changelog"))
                    .forEach(e -> sizes.merge(e.getKey(), e.getValue().size(), Long::sum));
            double kept = 0;
            for (var e : offsets(admin, sizes.keySet()).entrySet()) {
                long start = e.getValue()[0];
                long end = e.getValue()[1];
                long size = sizes.get(e.getKey());
                kept += end == 0 ? size : size * (double) (end - start) / end;
            }
            return Math.round(kept);
        }
    }
}
