package dev.panicwatch.streams.query;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;

import dev.panicwatch.diagnosis.kernel.BootArgs;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.ReportFormat;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.topology.PanicwatchSerdes;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * Test fleet on the shared stack: VM and host ids unique to one test run (the input topics are shared with other
 * integration tests), records, producers and an app configuration that only reads what is produced after it starts.
 */
final class Fleet implements AutoCloseable {

    static final String TLB_FLUSH = "NMIPI for unresponsive processor: TLB flush timeout, TLB state:0x0";
    static final String WATCHDOG = "watchdog timeout: no checkins from watchdogd in 180 seconds (24 total checkins "
            + "since monitoring last enabled)";
    static final String KERNEL_TRAP = "Kernel trap at 0xffffff800e8f3c5a, type 14=page fault, registers:";
    static final String XNU_10_15 = "xnu-6153.121.2";

    final String run = UUID.randomUUID().toString().substring(0, 8);
    private final StackEndpoints stack;
    private final KafkaProducer<String, PanicReport> panics;
    private final KafkaProducer<String, HostLoadSample> loads;
    private final KafkaProducer<String, GuestState> guests;
    private final int partitions;

    Fleet(StackEndpoints stack) {
        this.stack = stack;
        PanicwatchSerdes serdes = PanicwatchSerdes.fromConfig(stack.clientConfig());
        panics = producer(serdes.panicReports().serializer());
        loads = producer(serdes.loadSamples().serializer());
        guests = producer(serdes.guestStates().serializer());
        partitions = panics.partitionsFor(Topics.PANIC_REPORTS).size();
    }

    int partitions() {
        return partitions;
    }

    /** A VM id of this run whose records land in {@code partition} (Kafka's default partitioner: murmur2 of the key). */
    String vmInPartition(String prefix, int partition) {
        for (int n = 100; ; n++) {
            String vm = run + "-" + prefix + "/" + n;
            if (partitionOf(vm) == partition % partitions) {
                return vm;
            }
        }
    }

    int partitionOf(String key) {
        return Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions;
    }

    String host(String name) {
        return run + "-" + name;
    }

    /** Streams settings of one instance of the test app: own state dir, only records produced from now on. */
    static Map<String, Object> appConfig(StackEndpoints stack, String applicationId) throws Exception {
        Path stateDir = Files.createTempDirectory("panicwatch-query-it-");
        Map<String, Object> kafka = new HashMap<>(stack.clientConfig());
        kafka.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        kafka.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        // Other integration tests write to the same topics; a fresh group must not replay (and re-advise) their data.
        kafka.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "latest");
        return kafka;
    }

    /** Decides parked panics seconds after they arrive, so remediations come quickly. */
    static PipelineSettings quickSettings() {
        return PipelineSettings.from(Map.of(), Map.of("PANICWATCH_GRACE", "PT2S",
                "PANICWATCH_PUNCTUATION_INTERVAL", "PT1S"));
    }

    void panic(String vm, String host, Instant time, String panicString, String bootArgs) throws Exception {
        panics.send(new ProducerRecord<>(Topics.PANIC_REPORTS, vm, report(vm, host, time, panicString, bootArgs))).get();
    }

    void load(String vm, String host, Instant time, int cpus, double load1, Double vcpuWait) throws Exception {
        HostLoadSample sample = HostLoadSample.newBuilder().setHostId(host).setVmId(vm).setSampleTime(time)
                .setIntervalMillis(10_000).setHostCpus(cpus).setLoad1(load1).setLoad5(load1).setLoad15(load1)
                .setVmVcpus(8).setVcpuWaitRatioMax(vcpuWait).build();
        loads.send(new ProducerRecord<>(Topics.HOST_LOAD, vm, sample)).get();
    }

    /** What the guest agent reports: {@code bootArgs} in force (vti and tlbto_us parsed from them), on xnu-6153. */
    void guest(String vm, String host, Instant observed, String bootArgs, Instant bootTime) throws Exception {
        java.util.OptionalInt tlbto = BootArgs.number(bootArgs, "tlbto_us");
        GuestState state = GuestState.newBuilder().setVmId(vm).setHostId(host).setObservedTime(observed)
                .setReceivedTime(observed).setSource(GuestStateSource.AGENT).setBootArgs(bootArgs)
                .setVti(BootArgs.currentVti(bootArgs)).setTlbtoUs(tlbto.isPresent() ? tlbto.getAsInt() : null)
                .setOsVersion("10.15.5").setXnuVersion(XNU_10_15).setBootTime(bootTime).build();
        guests.send(new ProducerRecord<>(Topics.GUEST_STATE, vm, state)).get();
    }

    static PanicReport report(String vm, String host, Instant time, String panicString, String bootArgs) {
        String raw = "panic(cpu 0 caller 0xffffff8000000000): \"" + panicString + "\" " + vm + " " + time;
        return PanicReport.newBuilder().setReportId(Integer.toHexString(raw.hashCode()) + "-" + vm).setVmId(vm)
                .setHostId(host).setPanicTime(time).setReceivedTime(time).setFormat(ReportFormat.LEGACY_TEXT)
                .setPanicString(panicString).setXnuVersion(XNU_10_15).setBootArgs(bootArgs).setRaw(raw).build();
    }

    private <V> KafkaProducer<String, V> producer(Serializer<V> values) {
        Map<String, Object> config = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return new KafkaProducer<>(config, new StringSerializer(), values);
    }

    @Override
    public void close() {
        panics.close();
        loads.close();
        guests.close();
    }
}
