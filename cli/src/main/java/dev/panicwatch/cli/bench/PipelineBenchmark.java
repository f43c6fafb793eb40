package dev.panicwatch.cli.bench;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.ReportFormat;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.kafka.registry.AvroSerde;

/**
 * The two pipeline measurements against a running streams process.
 *
 * <p>Throughput: the samples are all on {@code host-load} before the app starts, so this is pure processing speed
 * (read, deserialize, store in RocksDB, commit transactions), not ingest. Progress is the app's committed offsets:
 * under exactly-once a committed offset means the records before it are processed and their results committed. The
 * clock runs from the first commit seen to the commit that reaches the end offsets, so JVM start-up, topic checks
 * and the group join are left out (they are reported apart as start-up time).
 *
 * <p>Latency: with every VM's load in the stores, panics go one at a time, each timed from just before its send to
 * the moment a {@code read_committed} consumer sees its remediation. Each panic happened long enough before the
 * last samples that its load window is already closed in stream time, so it is decided at the next wall-clock
 * punctuation; what remains is that punctuation interval, the transaction commit interval and the hops.
 */
final class PipelineBenchmark {

    /** Application id of {@code panicwatch streams} (its default); the consumer group whose offsets show progress. */
    static final String APPLICATION_ID = "panicwatch";

    /** Timeout panic wording of the classifier's TLB-shootdown rule (xnu 10.12–10.15 legacy reports). */
    private static final String TLB_PANIC = "TLB invalidation IPI timeout: CPU(s) failed to respond to interrupts, "
            + "unresponsive CPU bitmap: 0x2, NMIPI acks: orig: 0x0, now: 0x0";

    /**
     * @param secondHalfPerSec the rate over the second half of the samples, from the first commit at or past the
     *                         middle to the end: by then the streams JVM has compiled its hot code (its JIT compiler
     *                         threads take more CPU than the stream thread for the first 20-30 s on two cores), so
     *                         this is nearer what a long-running instance does. NaN when one commit covered it all.
     */
    record Throughput(long samples, double seconds, double samplesPerSec, double secondHalfPerSec,
                      double startupSeconds) {
    }

    record Latency(int panics, double p50Ms, double p99Ms, double maxMs, double meanMs) {

        static Latency of(List<Double> millis) {
            double[] sorted = millis.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return new Latency(sorted.length, nearestRank(sorted, 0.50), nearestRank(sorted, 0.99),
                    sorted[sorted.length - 1], Arrays.stream(sorted).average().orElseThrow());
        }

        /** Nearest-rank percentile: the smallest value with at least {@code p} of the values at or below it. */
        static double nearestRank(double[] sorted, double p) {
            int rank = (int) Math.ceil(p * sorted.length);
            return sorted[Math.max(0, rank - 1)];
        }
    }

    private final String bootstrapServers;
    private final Map<String, Object> registryConfig;
    private final Consumer<String> progress;

    PipelineBenchmark(String bootstrapServers, String schemaRegistryUrl, Consumer<String> progress) {
        this.bootstrapServers = bootstrapServers;
        this.registryConfig = Map.of("schema.registry.url", schemaRegistryUrl);
        this.progress = progress;
    }

    Throughput awaitAllProcessed(StreamsProcess streams, Instant started, Duration timeout) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", bootstrapServers))) {
            List<TopicPartition> partitions = admin.describeTopics(List.of(Topics.HOST_LOAD)).allTopicNames().get()
                    .get(Topics.HOST_LOAD).partitions().stream()
                    .map(p -> new TopicPartition(Topics.HOST_LOAD, p.partition())).toList();
            long end = admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all().get().values().stream().mapToLong(r -> r.offset()).sum();
            long deadline = System.nanoTime() + timeout.toNanos();
            long firstCommitNanos = 0;
            long committedAtFirst = 0;
            long halfNanos = 0;
            long committedAtHalf = 0;
            long lastReport = System.nanoTime();
            while (true) {
                streams.requireAlive();
                long committed = committed(admin, partitions);
                long now = System.nanoTime();
                if (committed > 0 && firstCommitNanos == 0) {
                    firstCommitNanos = now;
                    committedAtFirst = committed;
                }
                if (committed >= end / 2 && halfNanos == 0) {
                    halfNanos = now;
                    committedAtHalf = committed;
                }
                if (committed >= end) {
                    if (firstCommitNanos == now) {
                        throw new IllegalStateException("every sample was processed before the first commit was seen; "
                                + "too few samples to time (use more --vms or --samples-per-vm)");
                    }
                    double seconds = (now - firstCommitNanos) / 1e9;
                    double startup = Duration.between(started, Instant.now()).toNanos() / 1e9 - seconds;
                    double secondHalf = halfNanos == now ? Double.NaN : (end - committedAtHalf) / ((now - halfNanos) / 1e9);
                    return new Throughput(end - committedAtFirst, seconds, (end - committedAtFirst) / seconds,
                            secondHalf, startup);
                }
                if (now > deadline) {
                    throw new IllegalStateException("the streams app processed " + committed + " of " + end
                            + " samples within " + timeout);
                }
                if (now - lastReport > 5_000_000_000L) {
                    progress.accept("processed " + committed + " of " + end + " samples");
                    lastReport = now;
                }
                Thread.sleep(20);
            }
        }
    }

    private static long committed(Admin admin, List<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(APPLICATION_ID)
                .partitionsToOffsetAndMetadata().get();
        return partitions.stream().map(offsets::get).filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    }

    /** Sends {@code panics} panics for distinct VMs of {@code fleet}, one at a time, timing each to its remediation. */
    Latency measureLatency(BenchFleet fleet, int panics, Instant panicTime, StreamsProcess streams) {
        if (panics > fleet.vms()) {
            // Each VM gets one remediation per cooldown; a second panic of a VM would wait for nothing.
            throw new IllegalArgumentException("--panics (" + panics + ") cannot exceed --vms (" + fleet.vms() + ")");
        }
        AvroSerde<RemediationEvent> remediationSerde = AvroSerde.forType(RemediationEvent.class, registryConfig);
        List<Double> millis = new ArrayList<>();
        try (KafkaProducer<String, PanicReport> producer = panicProducer();
             KafkaConsumer<String, byte[]> consumer = remediationConsumer()) {
            List<TopicPartition> partitions = consumer.assignment().stream().toList();
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position); // resolve the end now, not after the first panic is sent
            int stride = fleet.vms() / panics;
            for (int i = 0; i < panics; i++) {
                streams.requireAlive();
                int vm = i * stride;
                String reportId = String.format("bench-%s-%05d", Long.toHexString(System.nanoTime()), i);
                PanicReport report = panic(fleet, vm, reportId, panicTime);
                long sent = System.nanoTime();
                producer.send(new ProducerRecord<>(Topics.PANIC_REPORTS, null, panicTime.toEpochMilli(),
                        fleet.vmId(vm), report));
                millis.add(awaitRemediation(consumer, remediationSerde, reportId, sent, Duration.ofSeconds(60),
                        streams) / 1e6);
                if ((i + 1) % 25 == 0) {
                    progress.accept("panic " + (i + 1) + " of " + panics + " answered");
                }
            }
        }
        return Latency.of(millis);
    }

    /**
     * Publishes one panic for VM {@code vm} at once and waits for its remediation: the time to advice after a
     * restart, which includes the restore. Returns the nanoTime the remediation was seen.
     */
    long adviceSeenNanos(BenchFleet fleet, int vm, Instant panicTime, StreamsProcess streams, Duration timeout) {
        AvroSerde<RemediationEvent> remediationSerde = AvroSerde.forType(RemediationEvent.class, registryConfig);
        try (KafkaProducer<String, PanicReport> producer = panicProducer();
             KafkaConsumer<String, byte[]> consumer = remediationConsumer()) {
            List<TopicPartition> partitions = consumer.assignment().stream().toList();
            // From the beginning: this panic's report id is new, so no older remediation can match it.
            consumer.seekToBeginning(partitions);
            String reportId = String.format("bench-restart-%s", Long.toHexString(System.nanoTime()));
            long sent = System.nanoTime();
            producer.send(new ProducerRecord<>(Topics.PANIC_REPORTS, null, panicTime.toEpochMilli(), fleet.vmId(vm),
                    panic(fleet, vm, reportId, panicTime)));
            return sent + awaitRemediation(consumer, remediationSerde, reportId, sent, timeout, streams);
        }
    }

    private KafkaProducer<String, PanicReport> panicProducer() {
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrapServers, "acks", "all",
                "enable.idempotence", "true", "linger.ms", "0", "client.id", "panicwatch-bench-panics");
        return new KafkaProducer<>(config, new StringSerializer(),
                AvroSerde.forType(PanicReport.class, registryConfig).serializer());
    }

    /** Assigned all remediations partitions; where to start reading is the caller's choice. */
    private KafkaConsumer<String, byte[]> remediationConsumer() {
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrapServers,
                "isolation.level", "read_committed", "client.id", "panicwatch-bench-remediations");
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer());
        consumer.assign(consumer.partitionsFor(Topics.REMEDIATIONS).stream()
                .map(p -> new TopicPartition(Topics.REMEDIATIONS, p.partition())).toList());
        return consumer;
    }

    private long awaitRemediation(KafkaConsumer<String, byte[]> consumer, AvroSerde<RemediationEvent> serde,
                                  String reportId, long sentNanos, Duration timeout, StreamsProcess streams) {
        long deadline = sentNanos + timeout.toNanos();
        long lastReport = System.nanoTime();
        while (System.nanoTime() < deadline) {
            streams.requireAlive();
            if (System.nanoTime() - lastReport > 5_000_000_000L) {
                progress.accept("waiting for the advice of panic " + reportId);
                lastReport = System.nanoTime();
            }
            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                long seen = System.nanoTime();
                RemediationEvent event = serde.deserializer().deserialize(r.topic(), r.value());
                if (event.getTriggeringReportIds().contains(reportId)) {
                    return seen - sentNanos;
                }
            }
        }
        throw new IllegalStateException("no remediation for panic " + reportId + " within " + timeout);
    }

    private static PanicReport panic(BenchFleet fleet, int vm, String reportId, Instant panicTime) {
        String raw = "panic(cpu 0 caller 0xffffff8000b02a3d): \"" + TLB_PANIC + "\"@/bench\n"
                + "Kernel version:\nDarwin Kernel Version 19.6.0: xnu-6153.141.1~1/RELEASE_X86_64\n";
        return PanicReport.newBuilder()
                .setReportId(reportId)
                .setVmId(fleet.vmId(vm))
                .setHostId(fleet.hostId(vm))
                .setSmbiosUuid(null)
                .setPanicTime(panicTime)
                .setReceivedTime(Instant.now())
                .setFormat(ReportFormat.LEGACY_TEXT)
                .setPanicString(TLB_PANIC)
                .setPanicCpu(0)
                .setCaller("0xffffff8000b02a3d")
                .setXnuVersion("xnu-6153.141.1")
                .setDarwinVersion("19.6.0")
                .setMacOSBuild("19H2")
                .setSystemModel("iMacPro1,1")
                .setUptimeNanos(3_600_000_000_000L)
                .setBootArgs("keepsyms=1")
                .setBacktrace(List.of())
                .setProcessName("kernel_task")
                .setRaw(raw)
                .build();
    }
}
