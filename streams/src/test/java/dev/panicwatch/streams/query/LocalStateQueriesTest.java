package dev.panicwatch.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.panicwatch.diagnosis.classify.PanicClassifier;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.StreamsConfigFactory;
import dev.panicwatch.streams.topology.InMemorySchemaRegistry;
import dev.panicwatch.streams.topology.PanicwatchSerdes;
import dev.panicwatch.streams.topology.PanicwatchTopology;

/** The local answers read from the real topology's stores, in a TopologyTestDriver (one partition, no Kafka). */
class LocalStateQueriesTest {

    private static final Instant T = Instant.parse("2024-05-08T10:05:00Z");
    private static final String VM = "pve1/104";

    private TopologyTestDriver driver;
    private LocalStateQueries queries;
    private PanicwatchSerdes serdes;

    @BeforeEach
    void setUp() throws Exception {
        serdes = PanicwatchSerdes.withClient(new InMemorySchemaRegistry(), InMemorySchemaRegistry.SETTINGS);
        Properties props = StreamsConfigFactory.from(Map.of(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092",
                StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("panicwatch-query-ttd-").toString()));
        // The wall clock starts after every panic below, so each is decided once the clock passes arrival + grace.
        driver = new TopologyTestDriver(PanicwatchTopology.build(PipelineSettings.defaults(), serdes,
                new PanicClassifier()), props, T.plus(Duration.ofHours(3)));
        queries = new LocalStateQueries(new LocalStores() {
            @Override
            @SuppressWarnings("unchecked")
            public <S> S store(String name, org.apache.kafka.streams.state.QueryableStoreType<S> type,
                               Integer partition) {
                return type instanceof QueryableStoreTypes.WindowStoreType<?, ?>
                        ? (S) driver.getWindowStore(name) : (S) driver.getKeyValueStore(name);
            }
        }, PipelineSettings.defaults());

        TestInputTopic<String, PanicReport> panics = driver.createInputTopic(Topics.PANIC_REPORTS,
                new StringSerializer(), serdes.panicReports().serializer());
        TestInputTopic<String, HostLoadSample> loads = driver.createInputTopic(Topics.HOST_LOAD,
                new StringSerializer(), serdes.loadSamples().serializer());
        loads.pipeInput(VM, sample(T.minus(Duration.ofMinutes(2)), 110));
        loads.pipeInput(VM, sample(T.minus(Duration.ofMinutes(1)), 96));
        // pve1/104: TLB flush at 10:05, kernel traps at 10:20 and 11:30 → windows 10:00 = 2, 11:00 = 1.
        panics.pipeInput(VM, Fleet.report(VM, "pve1", T, Fleet.TLB_FLUSH, "keepsyms=1"));
        panics.pipeInput(VM, Fleet.report(VM, "pve1", T.plus(Duration.ofMinutes(15)), Fleet.KERNEL_TRAP, null));
        panics.pipeInput(VM, Fleet.report(VM, "pve1", T.plus(Duration.ofMinutes(85)), Fleet.KERNEL_TRAP, null));
        // pve2/7: one kernel trap at 10:10, no advice.
        panics.pipeInput("pve2/7", Fleet.report("pve2/7", "pve2", T.plus(Duration.ofMinutes(5)), Fleet.KERNEL_TRAP,
                null));
        driver.advanceWallClockTime(Duration.ofMinutes(5));
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private static TimeRange hours(String from, String to) {
        return new TimeRange(Instant.parse(from), Instant.parse(to));
    }

    @Test
    void aVmRateSumsItsWindowsAndClasses() {
        Answers.PanicRate rate = queries.vmRate(VM, hours("2024-05-08T10:00:00Z", "2024-05-08T12:00:00Z"), 0);
        // 3 panics in 2 hours.
        assertThat(rate.panics()).isEqualTo(3);
        assertThat(rate.perHour()).isEqualTo(1.5);
        assertThat(rate.byClass()).containsExactlyInAnyOrderEntriesOf(Map.of("TLB_FLUSH_TIMEOUT", 1L, "NON_TIMEOUT", 2L));
        assertThat(rate.series()).containsExactly(new Answers.WindowCount("2024-05-08T10:00:00Z", 2),
                new Answers.WindowCount("2024-05-08T11:00:00Z", 1));

        // Only the 11:00 window: the one kernel trap.
        Answers.PanicRate later = queries.vmRate(VM, hours("2024-05-08T11:00:00Z", "2024-05-08T12:00:00Z"), 0);
        assertThat(later.panics()).isEqualTo(1);
        assertThat(later.byClass()).containsExactlyEntriesOf(Map.of("NON_TIMEOUT", 1L));
    }

    @Test
    void aKnownVmWithoutPanicsInTheRangeHasRateZeroButAnUnknownOneIs404() {
        Answers.PanicRate quiet = queries.vmRate(VM, hours("2024-05-08T14:00:00Z", "2024-05-08T15:00:00Z"), 0);
        assertThat(quiet.panics()).isZero();
        assertThat(quiet.perHour()).isZero();
        assertThatThrownBy(() -> queries.vmRate("pve9/1", hours("2024-05-08T10:00:00Z", "2024-05-08T12:00:00Z"), 0))
                .isInstanceOf(UnknownSubjectException.class).hasMessageContaining("unknown VM 'pve9/1'");
    }

    @Test
    void hostsCountTheirVmsPanics() {
        // pve1: pve1/104's 3; pve2: pve2/7's 1.
        assertThat(queries.hostRate("pve1", hours("2024-05-08T10:00:00Z", "2024-05-08T12:00:00Z"), 0).panics())
                .isEqualTo(3);
        assertThat(queries.hostRate("pve2", hours("2024-05-08T10:00:00Z", "2024-05-08T12:00:00Z"), 0).panics())
                .isEqualTo(1);
        assertThatThrownBy(() -> queries.hostRate("pve3", hours("2024-05-08T10:00:00Z", "2024-05-08T12:00:00Z"), 0))
                .isInstanceOf(UnknownSubjectException.class);
    }

    @Test
    void topRanksByPanicsAndCarriesTheAdvice() {
        Answers.TopRates top = queries.localTop(hours("2024-05-08T10:00:00Z", "2024-05-08T12:00:00Z"), 5, List.of(0));
        assertThat(top.vms()).extracting(Answers.VmRate::vm).containsExactly(VM, "pve2/7");
        assertThat(top.vms()).extracting(Answers.VmRate::panics).containsExactly(3L, 1L);
        // The seed's case: 110 / 32 = 3.44 → vti 6 + 3.
        assertThat(top.vms().get(0).advice()).containsEntry("suggestedVti", 9);
        assertThat(top.vms().get(1).advice()).isNull();
        assertThat(top.partitions()).containsExactly(0);
        assertThat(queries.localTop(hours("2024-05-08T10:00:00Z", "2024-05-08T12:00:00Z"), 1, List.of(0)).vms())
                .extracting(Answers.VmRate::vm).containsExactly(VM);
    }

    @Test
    void remediationAndLoadOfAVm() {
        assertThat(queries.remediation(VM, 0)).containsEntry("suggestedBootArgs", "keepsyms=1 tlbto_us=0 vti=9")
                .containsEntry("panicClass", "TLB_FLUSH_TIMEOUT");
        assertThatThrownBy(() -> queries.remediation("pve2/7", 0)).isInstanceOf(UnknownSubjectException.class)
                .hasMessageContaining("has no remediation yet");

        // Asked three hours later, the range starts before the 30-minute raw window: the answer is the 10:00-10:05
        // summary (two samples, both over load/CPU 1.0; 110 / 32 = 3.4375), made from the raw samples since no
        // later sample of the VM closed that interval.
        Answers.LoadSeries load = queries.load(VM, hours("2024-05-08T10:00:00Z", "2024-05-08T10:05:00Z"),
                T.plus(Duration.ofHours(3)), 0);
        assertThat(load.resolution()).isEqualTo("PT5M");
        assertThat(load.samples()).isNull();
        assertThat(load.summaries()).singleElement().satisfies(l -> {
            assertThat(l.start()).isEqualTo("2024-05-08T10:00:00Z");
            assertThat(l.end()).isEqualTo("2024-05-08T10:05:00Z");
            assertThat(l.hostId()).isEqualTo("pve1");
            assertThat(l.samples()).isEqualTo(2);
            assertThat(l.overloadedSamples()).isEqualTo(2);
            assertThat(l.peakLoadPerCpu()).isEqualTo(3.4375);
            assertThat(l.latestSampleTime()).isEqualTo("2024-05-08T10:04:00Z");
        });
        // Asked at 10:05, the range lies in the raw window: the samples themselves.
        Answers.LoadSeries raw = queries.load(VM, hours("2024-05-08T10:00:00Z", "2024-05-08T10:05:00Z"), T, 0);
        assertThat(raw.resolution()).isEqualTo("raw");
        assertThat(raw.summaries()).isNull();
        assertThat(raw.samples()).extracting(s -> s.get("sampleTime"))
                .containsExactly("2024-05-08T10:03:00Z", "2024-05-08T10:04:00Z");
        assertThat(raw.samples()).extracting(s -> s.get("load1")).containsExactly(110.0, 96.0);
    }

    @Test
    void theAdviceOutcomeOfAVmAndTheOutcomesByHostAndStatus() {
        // pve1/104's TLB flush at 10:05 was advised vti 9; nothing since shows it applied.
        assertThat(queries.adviceOutcome(VM, 0)).containsEntry("status", "ADVISED").containsEntry("suggestedVti", 9)
                .containsEntry("advisedTime", "2024-05-08T10:05:00Z").containsEntry("hostId", "pve1");
        assertThatThrownBy(() -> queries.adviceOutcome("pve2/7", 0)).isInstanceOf(UnknownSubjectException.class)
                .hasMessageContaining("has no advice outcome");
        assertThatThrownBy(() -> queries.adviceOutcome("pve9/1", 0)).isInstanceOf(UnknownSubjectException.class)
                .hasMessageContaining("unknown VM 'pve9/1'");

        assertThat(queries.localOutcomes("pve1", null, List.of(0)).outcomes()).extracting(o -> o.get("vmId"))
                .containsExactly(VM);
        assertThat(queries.localOutcomes("pve2", null, List.of(0)).outcomes()).isEmpty();
        assertThat(queries.localOutcomes(null, AdviceOutcomeStatus.ADVISED, List.of(0)).outcomes())
                .extracting(o -> o.get("vmId")).containsExactly(VM);
        Answers.Outcomes applied = queries.localOutcomes("pve1", AdviceOutcomeStatus.APPLIED, List.of(0));
        assertThat(applied.outcomes()).isEmpty();
        assertThat(applied.status()).isEqualTo("APPLIED");
        assertThat(applied.partitions()).containsExactly(0);
    }

    @Test
    void theGuestStateOfAVmIsItsLatestObservation() {
        assertThatThrownBy(() -> queries.guestState(VM, 0)).isInstanceOf(UnknownSubjectException.class)
                .hasMessageContaining("has no guest state");
        TestInputTopic<String, GuestState> guests = driver.createInputTopic(Topics.GUEST_STATE,
                new StringSerializer(), serdes.guestStates().serializer());
        guests.pipeInput(VM, guest(T.plus(Duration.ofHours(2)), "keepsyms=1 tlbto_us=0 vti=9", 9, 0));
        // An older observation arriving later (a late panic report's boot-args) does not replace it.
        guests.pipeInput(VM, guest(T.plus(Duration.ofHours(1)), "keepsyms=1", 6, null));
        assertThat(queries.guestState(VM, 0)).containsEntry("bootArgs", "keepsyms=1 tlbto_us=0 vti=9")
                .containsEntry("vti", 9).containsEntry("observedTime", "2024-05-08T12:05:00Z");
    }

    private static GuestState guest(Instant observed, String bootArgs, int vti, Integer tlbtoUs) {
        return GuestState.newBuilder().setVmId(VM).setHostId("pve1").setObservedTime(observed)
                .setReceivedTime(observed).setSource(GuestStateSource.AGENT).setBootArgs(bootArgs).setVti(vti)
                .setTlbtoUs(tlbtoUs).build();
    }

    private static HostLoadSample sample(Instant time, double load1) {
        return HostLoadSample.newBuilder().setHostId("pve1").setVmId(VM).setSampleTime(time).setIntervalMillis(10_000)
                .setHostCpus(32).setLoad1(load1).setLoad5(load1).setLoad15(load1).setVmVcpus(8).build();
    }
}
