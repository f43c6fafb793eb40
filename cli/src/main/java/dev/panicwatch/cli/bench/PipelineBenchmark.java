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

import dev.panicwatch.ingest.guest.ReportedBootArgs;
import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationAction;
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
 * punctuation; what remains is that punctuation interval, the transaction commit interval and the hops. With guest
 * states on, each panic's boot-args go to {@code guest-state} with it (as the receiver publishes them), and every
 * other panicked VM then reports the advised boot-args (the guest applied them and rebooted), between one panic's
 * remediation and the next panic: the outcome tracker moves it to APPLIED and the peer warning has vtis to compare.
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

    /**
     * The latency phase: its figures, the guest states it published, and what the streams app made of them (read
     * back from {@code advice-outcomes} and {@code remediations} after the last panic).
     */
    record LatencyRun(Latency latency, long guestStates, long appliedOutcomes, long preventiveRemediations) {
    }

    /** A remediation seen by the bench, and when (nanoTime). */
    private record Seen(long nanos, RemediationEvent event) {
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
            List<TopicPartition> partitions = partitions(admin, Topics.HOST_LOAD);
            long end = endOffsets(admin, partitions);
            // The guest states loaded with the samples are part of the work: done is both topics committed to the
            // end, the rate stays samples per second.
            List<TopicPartition> guestPartitions = partitions(admin, Topics.GUEST_STATE);
            long guestEnd = endOffsets(admin, guestPartitions);
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
                if (committed >= end && committed(admin, guestPartitions) >= guestEnd) {
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

    private static List<TopicPartition> partitions(Admin admin, String topic) throws Exception {
        return admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
    }

    private static long endOffsets(Admin admin, List<TopicPartition> partitions) throws Exception {
        return admin.listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                .all().get().values().stream().mapToLong(r -> r.offset()).sum();
    }

    private static long committed(Admin admin, List<TopicPartition> partitions) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(APPLICATION_ID)
                .partitionsToOffsetAndMetadata().get();
        return partitions.stream().map(offsets::get).filter(o -> o != null).mapToLong(OffsetAndMetadata::offset).sum();
    }

    /**
     * Sends {@code panics} panics for distinct VMs of {@code fleet}, one at a time, timing each to its remediation,
     * with the guest states {@code plan} asks for.
     */
    LatencyRun measureLatency(BenchFleet fleet, int panics, Instant panicTime, StreamsProcess streams,
                              GuestStatePlan plan) {
        if (panics > fleet.vms()) {
            // Each VM gets one remediation per cooldown; a second panic of a VM would wait for nothing.
            throw new IllegalArgumentException("--panics (" + panics + ") cannot exceed --vms (" + fleet.vms() + ")");
        }
        AvroSerde<RemediationEvent> remediationSerde = AvroSerde.forType(RemediationEvent.class, registryConfig);
        List<Double> millis = new ArrayList<>();
        long guestStates = 0;
        try (KafkaProducer<String, PanicReport> producer = panicProducer();
             KafkaProducer<String, GuestState> guestProducer = guestStateProducer();
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
                if (plan.on()) {
                    // What the receiver publishes for a report that carries boot-args (observed at the panic).
                    GuestState reported = ReportedBootArgs.observation(report, VmIdentity.of(fleet.vmId(vm)))
                            .orElseThrow();
                    send(guestProducer, reported);
                    guestStates++;
                }
                Seen seen = awaitRemediation(consumer, remediationSerde, reportId, sent, Duration.ofSeconds(60),
                        streams);
                millis.add((seen.nanos() - sent) / 1e6);
                if (plan.appliesAdvice(i)) {
                    send(guestProducer, applied(fleet, vm, seen.event(), panicTime));
                    guestStates++;
                }
                if ((i + 1) % 25 == 0) {
                    progress.accept("panic " + (i + 1) + " of " + panics + " answered");
                }
            }
        }
        Outcomes outcomes = plan.on() ? readOutcomes(plan.applying(panics), streams, Duration.ofSeconds(30))
                : new Outcomes(0, 0);
        return new LatencyRun(Latency.of(millis), guestStates, outcomes.applied(), outcomes.preventive());
    }

    /**
     * The agent's report after the guest applied {@code advice}'s boot-args and rebooted: booted 30 s after the
     * panic, observed at 60 s, which is still within the samples' stream time (the last is 90 s after the panic).
     */
    private static GuestState applied(BenchFleet fleet, int vm, RemediationEvent advice, Instant panicTime) {
        if (advice.getSuggestedBootArgs() == null) {
            throw new IllegalStateException("the advice for " + advice.getVmId() + " suggests no boot-args: "
                    + advice.getActions());
        }
        return fleet.guestState(vm, advice.getSuggestedBootArgs(), panicTime.plusSeconds(30),
                panicTime.plusSeconds(60));
    }

    private static void send(KafkaProducer<String, GuestState> producer, GuestState state) {
        producer.send(new ProducerRecord<>(Topics.GUEST_STATE, null, state.getObservedTime().toEpochMilli(),
                state.getVmId(), state));
    }

    private record Outcomes(long applied, long preventive) {
    }

    /**
     * Counts the APPLIED transitions on {@code advice-outcomes} and the preventive remediations, reading both from
     * the start with {@code read_committed} until {@code expectedApplied} APPLIED have been seen and both topics are
     * read to their end (or {@code timeout}): the last panic's APPLIED is committed up to a commit interval after
     * its guest state.
     */
    private Outcomes readOutcomes(long expectedApplied, StreamsProcess streams, Duration timeout) {
        AvroSerde<AdviceOutcome> outcomeSerde = AvroSerde.forType(AdviceOutcome.class, registryConfig);
        AvroSerde<RemediationEvent> remediationSerde = AvroSerde.forType(RemediationEvent.class, registryConfig);
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrapServers,
                "isolation.level", "read_committed", "client.id", "panicwatch-bench-outcomes");
        long applied = 0;
        long preventive = 0;
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (String topic : List.of(Topics.ADVICE_OUTCOMES, Topics.REMEDIATIONS)) {
                consumer.partitionsFor(topic).forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (System.nanoTime() < deadline) {
                streams.requireAlive();
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    if (r.topic().equals(Topics.ADVICE_OUTCOMES)) {
                        if (outcomeSerde.deserializer().deserialize(r.topic(), r.value()).getStatus()
                                == AdviceOutcomeStatus.APPLIED) {
                            applied++;
                        }
                    } else if (remediationSerde.deserializer().deserialize(r.topic(), r.value()).getActions()
                            .contains(RemediationAction.RAISE_VTI_PREVENTIVE)) {
                        preventive++;
                    }
                }
                Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
                if (applied >= expectedApplied
                        && partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp))) {
                    break;
                }
            }
        }
        if (applied < expectedApplied) {
            progress.accept("only " + applied + " of " + expectedApplied + " APPLIED outcomes within " + timeout);
        }
        return new Outcomes(applied, preventive);
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
            return awaitRemediation(consumer, remediationSerde, reportId, sent, timeout, streams).nanos();
        }
    }

    private KafkaProducer<String, PanicReport> panicProducer() {
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrapServers, "acks", "all",
                "enable.idempotence", "true", "linger.ms", "0", "client.id", "panicwatch-bench-panics");
        return new KafkaProducer<>(config, new StringSerializer(),
                AvroSerde.forType(PanicReport.class, registryConfig).serializer());
    }

    private KafkaProducer<String, GuestState> guestStateProducer() {
        Map<String, Object> config = Map.of("bootstrap.servers", bootstrapServers, "acks", "all",
                "enable.idempotence", "true", "linger.ms", "0", "client.id", "panicwatch-bench-guest-states");
        return new KafkaProducer<>(config, new StringSerializer(),
                AvroSerde.forType(GuestState.class, registryConfig).serializer());
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

    private Seen awaitRemediation(KafkaConsumer<String, byte[]> consumer, AvroSerde<RemediationEvent> serde,
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
                    return new Seen(seen, event);
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
                .setBootArgs(BenchFleet.BOOT_ARGS)
                .setBacktrace(List.of())
                .setProcessName("kernel_task")
                .setRaw(raw)
                .build();
    }
}
