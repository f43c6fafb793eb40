package dev.panicwatch.streams.topology;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;

import dev.panicwatch.diagnosis.classify.PanicClassifier;
import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.StreamsConfigFactory;

/** The real topology and the real Streams configuration in a TopologyTestDriver, with an in-memory registry. */
final class TopologyHarness implements AutoCloseable {

    final TopologyTestDriver driver;
    final PanicwatchSerdes serdes;
    final TestInputTopic<String, PanicReport> panics;
    final TestInputTopic<String, HostLoadSample> loads;
    final TestInputTopic<String, byte[]> rawPanics;
    final TestInputTopic<String, byte[]> rawLoads;
    final TestOutputTopic<String, RemediationEvent> remediations;
    final TestOutputTopic<byte[], byte[]> deadLetters;
    final TestInputTopic<String, GuestState> guests;
    final TestOutputTopic<String, AdviceOutcome> outcomes;
    private final Path stateDir;

    TopologyHarness(PipelineSettings settings, Instant wallClockStart) throws java.io.IOException {
        this(settings, wallClockStart, Map.of());
    }

    /** @param overrides Streams settings on top of {@link StreamsConfigFactory}'s defaults */
    TopologyHarness(PipelineSettings settings, Instant wallClockStart, Map<String, Object> overrides)
            throws java.io.IOException {
        this(settings, wallClockStart, overrides, HostLoadBacklog.NONE);
    }

    /** @param backlog what the correlator is told about its host-load backlog (a consumer's lag in the app) */
    TopologyHarness(PipelineSettings settings, Instant wallClockStart, Map<String, Object> overrides,
                    HostLoadBacklog backlog) throws java.io.IOException {
        stateDir = Files.createTempDirectory("panicwatch-ttd-");
        wallClock = wallClockStart;
        serdes = PanicwatchSerdes.withClient(new InMemorySchemaRegistry(), InMemorySchemaRegistry.SETTINGS);
        Map<String, Object> user = new HashMap<>();
        user.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        user.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        user.putAll(overrides);
        Properties props = StreamsConfigFactory.from(user);
        driver = new TopologyTestDriver(PanicwatchTopology.build(settings, serdes, new PanicClassifier(),
                dev.panicwatch.streams.metrics.PipelineObserver.NO_OP, backlog), props,
                wallClockStart);
        StringSerializer keys = new StringSerializer();
        panics = driver.createInputTopic(Topics.PANIC_REPORTS, keys, serdes.panicReports().serializer());
        loads = driver.createInputTopic(Topics.HOST_LOAD, keys, serdes.loadSamples().serializer());
        rawPanics = driver.createInputTopic(Topics.PANIC_REPORTS, keys, new ByteArraySerializer());
        rawLoads = driver.createInputTopic(Topics.HOST_LOAD, keys, new ByteArraySerializer());
        remediations = driver.createOutputTopic(Topics.REMEDIATIONS, new StringDeserializer(),
                serdes.remediations().deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
        guests = driver.createInputTopic(Topics.GUEST_STATE, keys, serdes.guestStates().serializer());
        outcomes = driver.createOutputTopic(Topics.ADVICE_OUTCOMES, new StringDeserializer(),
                serdes.adviceOutcomes().deserializer());
    }

    void panic(PanicReport report) {
        panics.pipeInput(report.getVmId(), report);
    }

    void guest(GuestState state) {
        guests.pipeInput(state.getVmId(), state);
    }

    List<AdviceOutcome> outcomes() {
        return outcomes.readRecordsToList().stream().map(TestRecord::value).toList();
    }

    void load(HostLoadSample sample) {
        loads.pipeInput(sample.getVmId(), sample);
    }

    private Instant wallClock;

    void advanceWallClock(Duration d) {
        wallClock = wallClock.plus(d);
        driver.advanceWallClockTime(d);
    }

    /** Moves the mock wall clock forward to {@code t} (no-op when already there). */
    void advanceWallClockTo(Instant t) {
        if (t.isAfter(wallClock)) {
            advanceWallClock(Duration.between(wallClock, t));
        }
    }

    List<RemediationEvent> remediations() {
        return remediations.readRecordsToList().stream().map(TestRecord::value).toList();
    }

    @Override
    public void close() throws java.io.IOException {
        driver.close();
        try (var files = Files.walk(stateDir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
