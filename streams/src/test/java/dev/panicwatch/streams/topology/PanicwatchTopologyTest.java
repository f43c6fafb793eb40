package dev.panicwatch.streams.topology;

import static dev.panicwatch.streams.topology.Scenario.KERNEL_TRAP;
import static dev.panicwatch.streams.topology.Scenario.SPINLOCK;
import static dev.panicwatch.streams.topology.Scenario.SPINLOCK_CONSTANT;
import static dev.panicwatch.streams.topology.Scenario.TLB_FLUSH;
import static dev.panicwatch.streams.topology.Scenario.XNU_10_11;
import static dev.panicwatch.streams.topology.Scenario.XNU_10_15;
import static dev.panicwatch.streams.topology.Scenario.XNU_11;
import static dev.panicwatch.streams.topology.Scenario.load;
import static dev.panicwatch.streams.topology.Scenario.panic;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.PanicClass;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.config.PipelineSettings;

/**
 * docs/design.md#topology rule by rule, through the real topology and Streams configuration (defaults: look-back 10 min,
 * look-ahead 1 min, grace 2 min, thresholds 1.0 / 0.25 / 40, step 1..4, caps 12 / 18, cooldown 1 h, punctuation
 * every 10 s). Every panic at time T waits until T + 1 min + 2 min = T + 3 min.
 */
class PanicwatchTopologyTest {

    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");
    private static final String VM = "pve1/104";
    private static final String HOST = "pve1";

    private TopologyHarness pipe;

    @BeforeEach
    void start() throws Exception {
        pipe = new TopologyHarness(PipelineSettings.defaults(), T);
    }

    @AfterEach
    void stop() throws Exception {
        if (pipe != null) {
            pipe.close();
        }
    }

    /** The seed's host: 32 CPUs at load1 110 → load1/CPUs = 110 / 32 = 3.4375 = R. */
    private void seedHostLoad(String vm, Instant around) {
        pipe.load(load(vm, HOST, around.minus(Duration.ofMinutes(5)), 32, 96.0, null, null));
        pipe.load(load(vm, HOST, around.minus(Duration.ofMinutes(1)), 32, 110.0, null, null));
        pipe.load(load(vm, HOST, around.plusSeconds(30), 32, 104.0, null, null));
    }

    private RemediationEvent onlyRemediation() {
        List<RemediationEvent> events = pipe.remediations();
        assertThat(events).hasSize(1);
        return events.get(0);
    }

    @Test
    void workedExampleFromTheSeed() {
        seedHostLoad(VM, T);
        PanicReport report = panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1");
        pipe.panic(report);

        // Deadline T + 3 min: at T + 2:50 the window may still gain samples, so nothing is decided yet.
        pipe.advanceWallClockTo(T.plus(Duration.ofSeconds(170)));
        assertThat(pipe.remediations()).isEmpty();
        pipe.advanceWallClockTo(T.plus(Duration.ofSeconds(190)));

        RemediationEvent e = onlyRemediation();
        // R = 110/32 = 3.4375; log2 3.4375 = 1.78 → ceil 2 → step 1 + 2 = 3 → vti 6 + 3 = 9 (≤ cap 12 on xnu-6153).
        assertThat(e.getActions()).containsExactly(RemediationAction.RAISE_VTI, RemediationAction.DISABLE_TLB_TIMEOUT,
                RemediationAction.REDUCE_HOST_LOAD);
        assertThat(e.getCurrentVti()).isEqualTo(6);
        assertThat(e.getSuggestedVti()).isEqualTo(9);
        assertThat(e.getSuggestedBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        // 0.5 s × 2^6 = 32 s; 0.5 s × 2^9 = 256 s.
        assertThat(e.getEffectiveTimeoutBeforeMillis()).isEqualTo(32_000L);
        assertThat(e.getEffectiveTimeoutAfterMillis()).isEqualTo(256_000L);
        assertThat(e.getRationale()).contains("32 s → 256 s").contains("keepsyms=1 tlbto_us=0 vti=9")
                .contains("3.44");
        assertThat(e.getPanicClass()).isEqualTo(PanicClass.TLB_FLUSH_TIMEOUT);
        assertThat(e.getVtiHelps()).isTrue();
        assertThat(e.getVmId()).isEqualTo(VM);
        assertThat(e.getHostId()).isEqualTo(HOST);
        assertThat(e.getXnuVersion()).isEqualTo(XNU_10_15);
        assertThat(e.getTriggeringReportIds()).containsExactly(report.getReportId());
        assertThat(e.getPanicsInWindow()).isEqualTo(1);
        // Decided at the first wall-clock punctuation past T + 3 min: T + 3:10 (punctuation every 10 s from T).
        assertThat(e.getCreatedTime()).isEqualTo(T.plusSeconds(190));
        // All three samples (T − 5 min, T − 1 min, T + 30 s) lie in [T − 10 min, T + 1 min]; the peak is 110/32.
        assertThat(e.getEvidence().getSamples()).isEqualTo(3);
        assertThat(e.getEvidence().getWindowStart()).isEqualTo(T.minus(Duration.ofMinutes(10)));
        assertThat(e.getEvidence().getWindowEnd()).isEqualTo(T.plus(Duration.ofMinutes(1)));
        assertThat(e.getEvidence().getOverloaded()).isTrue();
        assertThat(e.getEvidence().getPeakLoadPerCpu()).isEqualTo(3.4375);
        assertThat(e.getEvidence().getSeverity()).isEqualTo(3.4375);
        assertThat(e.getEvidence().getWorstVcpuWaitRatio()).isNull();
        assertThat(e.getEvidence().getLoadPerCpuThreshold()).isEqualTo(1.0);
        assertThat(e.getEvidence().getVcpuWaitThreshold()).isEqualTo(0.25);
        assertThat(e.getEvidence().getCpuPressureThreshold()).isEqualTo(40.0);
        // The latest advice is queryable by VM.
        assertThat(pipe.driver.<String, RemediationEvent>getKeyValueStore(StoreNames.LATEST_REMEDIATION_PER_VM).get(VM))
                .isEqualTo(e);
    }

    @Test
    void remediationIdIsDerivedFromVmAndReportSoAReplayRepeatsIt() throws Exception {
        PanicReport report = panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1");
        String first = adviseOnFreshTopology(report, T);
        // A replay a day later on a fresh instance (new state, other wall clock) gives the same id.
        String replayed = adviseOnFreshTopology(report, T.plus(Duration.ofDays(1)));
        assertThat(replayed).isEqualTo(first).hasSize(32);
        // Another VM's advice on the same report text would differ.
        assertThat(RemediationEvents.remediationId("pve1/105", report.getReportId())).isNotEqualTo(first);
    }

    private String adviseOnFreshTopology(PanicReport report, Instant wallClock) throws Exception {
        try (TopologyHarness fresh = new TopologyHarness(PipelineSettings.defaults(), wallClock)) {
            TopologyHarness mine = pipe;
            pipe = fresh;
            try {
                seedHostLoad(VM, T);
                pipe.panic(report);
                pipe.advanceWallClockTo(wallClock.plus(Duration.ofMinutes(4)));
                return onlyRemediation().getRemediationId();
            } finally {
                pipe = mine;
            }
        }
    }

    @Test
    void capIs12OnXnu6153And18FromXnu7195() {
        // 20 × 32 = 640 → R = 20; log2 20 = 4.32 → ceil 5 → 1 + 5 = 6 → clamped to 4.
        String old = "pve1/201";
        String big = "pve1/202";
        pipe.load(load(old, HOST, T.minusSeconds(60), 32, 640.0, null, null));
        pipe.load(load(big, HOST, T.minusSeconds(60), 32, 640.0, null, null));
        pipe.panic(panic(old, HOST, T, TLB_FLUSH, XNU_10_15, "vti=10"));   // 10 + 4 = 14 → cap 12
        pipe.panic(panic(big, HOST, T, TLB_FLUSH, XNU_11, "vti=16"));      // 16 + 4 = 20 → cap 18
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        List<RemediationEvent> events = pipe.remediations();
        assertThat(events).extracting(RemediationEvent::getVmId).containsExactlyInAnyOrder(old, big);
        RemediationEvent onOld = events.stream().filter(e -> e.getVmId().equals(old)).findFirst().orElseThrow();
        RemediationEvent onBig = events.stream().filter(e -> e.getVmId().equals(big)).findFirst().orElseThrow();
        assertThat(onOld.getSuggestedVti()).isEqualTo(12);
        assertThat(onOld.getSuggestedBootArgs()).isEqualTo("vti=12 keepsyms=1 tlbto_us=0");
        assertThat(onOld.getEffectiveTimeoutAfterMillis()).isEqualTo(500L * 4096); // 2048 s
        assertThat(onBig.getSuggestedVti()).isEqualTo(18);
        assertThat(onBig.getEffectiveTimeoutAfterMillis()).isEqualTo(500L * 262_144); // 131072 s
    }

    @Test
    void unknownKernelGetsTheConservativeCap() {
        pipe.load(load(VM, HOST, T.minusSeconds(60), 32, 640.0, null, null));
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, null, "vti=11"));  // 11 + 4 = 15 → cap 12 (version unknown)
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));
        assertThat(onlyRemediation().getSuggestedVti()).isEqualTo(12);
    }

    @Test
    void guestAlreadyAtTheCapGetsOnlyReduceHostLoad() {
        seedHostLoad(VM, T);
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1 vti=12"));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        RemediationEvent e = onlyRemediation();
        assertThat(e.getActions()).containsExactly(RemediationAction.REDUCE_HOST_LOAD);
        assertThat(e.getSuggestedVti()).isNull();
        assertThat(e.getSuggestedBootArgs()).isNull();
        assertThat(e.getCurrentVti()).isEqualTo(12);
        assertThat(e.getEffectiveTimeoutBeforeMillis()).isEqualTo(2_048_000L); // 0.5 s × 2^12
        assertThat(e.getEffectiveTimeoutAfterMillis()).isNull();
        assertThat(e.getRationale()).contains("cap 12");
    }

    @Test
    void constantTimeoutSpinlockOnXnu7195IsNotHelpedByVti() {
        seedHostLoad(VM, T);
        pipe.panic(panic(VM, HOST, T, SPINLOCK_CONSTANT, XNU_11, null));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        RemediationEvent e = onlyRemediation();
        assertThat(e.getPanicClass()).isEqualTo(PanicClass.SPINLOCK_TIMEOUT);
        assertThat(e.getVtiHelps()).isFalse();
        assertThat(e.getActions()).containsExactly(RemediationAction.REDUCE_HOST_LOAD);
        assertThat(e.getSuggestedVti()).isNull();
        assertThat(e.getEffectiveTimeoutBeforeMillis()).isNull();
    }

    @Test
    void ordinarySpinlockOnXnu7195RaisesVtiWithoutTouchingTlbto() {
        seedHostLoad(VM, T);
        pipe.panic(panic(VM, HOST, T, SPINLOCK, XNU_11, "keepsyms=1 tlbto_us=0 vti=9"));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        RemediationEvent e = onlyRemediation();
        // R = 3.4375 → step 3 → 9 + 3 = 12 (cap 18 on xnu-7195); tlbto_us is the guest's own and stays.
        assertThat(e.getActions()).containsExactly(RemediationAction.RAISE_VTI, RemediationAction.REDUCE_HOST_LOAD);
        assertThat(e.getSuggestedVti()).isEqualTo(12);
        assertThat(e.getSuggestedBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=12");
        assertThat(e.getRationale()).contains("256 s → 2048 s");
    }

    @Test
    void macOs1011GuestHasNoVtiSoOnlyTheHostCanHelp() {
        seedHostLoad(VM, T);
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_11, null));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        RemediationEvent e = onlyRemediation();
        assertThat(e.getPanicClass()).isEqualTo(PanicClass.TLB_FLUSH_TIMEOUT);
        assertThat(e.getVtiHelps()).isFalse();
        assertThat(e.getActions()).containsExactly(RemediationAction.REDUCE_HOST_LOAD);
        assertThat(e.getSuggestedVti()).isNull();
        assertThat(e.getSuggestedBootArgs()).isNull();
    }

    @Test
    void guestsOtherBootArgsArePreservedInPlace() {
        seedHostLoad(VM, T);
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "-v debug=0x144 vti=7 tlbto_us=100 alcid=11"));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        // vti 7 + 3 = 10, replaced where it stood; tlbto_us=100 → 0 in place; keepsyms=1 appended.
        assertThat(onlyRemediation().getSuggestedBootArgs())
                .isEqualTo("-v debug=0x144 vti=10 tlbto_us=0 alcid=11 keepsyms=1");
    }

    @Test
    void noLoadDataIsDecidedAsInvestigateAfterTheGrace() {
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(T.plus(Duration.ofSeconds(170)));
        assertThat(pipe.remediations()).isEmpty();
        pipe.advanceWallClockTo(T.plus(Duration.ofSeconds(190)));

        RemediationEvent e = onlyRemediation();
        assertThat(e.getActions()).containsExactly(RemediationAction.INVESTIGATE);
        assertThat(e.getSuggestedVti()).isNull();
        assertThat(e.getEvidence().getSamples()).isZero();
        assertThat(e.getEvidence().getOverloaded()).isFalse();
        assertThat(e.getEvidence().getPeakLoadPerCpu()).isNull();
        assertThat(e.getRationale()).contains("No load data");
    }

    @Test
    void calmHostIsInvestigateNotOverloaded() {
        // 8/32 = 0.25 < 1.0, wait 0.05 < 0.25, PSI 3 < 40.
        pipe.load(load(VM, HOST, T.minusSeconds(60), 32, 8.0, 0.05, 3.0));
        pipe.panic(panic(VM, HOST, T, SPINLOCK, XNU_11, null));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        RemediationEvent e = onlyRemediation();
        assertThat(e.getActions()).containsExactly(RemediationAction.INVESTIGATE);
        assertThat(e.getEvidence().getOverloaded()).isFalse();
        assertThat(e.getEvidence().getSamples()).isEqualTo(1);
        assertThat(e.getRationale()).contains("not overloaded");
    }

    @Test
    void lateSamplesWithinGraceAreUsedAndOnlyTheVmsOwnLaterSampleClosesTheWindow() {
        String other = "pve1/105";
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        // Arrives after the panic although taken before it: still in [T - 10 min, T + 1 min].
        pipe.load(load(VM, HOST, T.minusSeconds(60), 32, 110.0, null, null));
        // After the window end but before T + 1 min + grace 2 min = T + 3 min: a sample up to grace late may follow.
        pipe.load(load(VM, HOST, T.plus(Duration.ofMinutes(2)), 32, 10.0, null, null));
        // Another VM's samples move the task's stream time far past T + 3 min: they say nothing about this VM.
        pipe.load(load(other, HOST, T.plusSeconds(190), 32, 10.0, null, null));
        pipe.load(load(other, HOST, T.plus(Duration.ofMinutes(5)), 32, 10.0, null, null));
        assertThat(pipe.remediations()).isEmpty();
        // This VM's own sample at T + 3:10 >= T + 3 min: decided at the next punctuation (wall clock T + 10 s, long
        // before the wall-clock deadline T + 3 min).
        pipe.load(load(VM, HOST, T.plusSeconds(190), 32, 10.0, null, null));
        pipe.advanceWallClockTo(T.plusSeconds(10));

        RemediationEvent e = onlyRemediation();
        assertThat(e.getEvidence().getSamples()).isEqualTo(1);
        assertThat(e.getEvidence().getPeakLoadPerCpu()).isEqualTo(3.4375);
        assertThat(e.getSuggestedVti()).isEqualTo(9);
        assertThat(e.getCreatedTime()).isEqualTo(T.plusSeconds(10));

        // A sample arriving after the decision changes nothing.
        pipe.load(load(VM, HOST, T.minusSeconds(30), 32, 500.0, null, null));
        pipe.load(load(other, HOST, T.plus(Duration.ofMinutes(10)), 32, 10.0, null, null));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(30)));
        assertThat(pipe.remediations()).isEmpty();
    }

    @Test
    void samplesFirstThenThePanicIsDecidedAtTheNextPunctuationWithAllOfThem() {
        seedHostLoad(VM, T);
        // The VM's sample past T + 3 min was read before its panic (the backlog of host-load came first).
        pipe.load(load(VM, HOST, T.plusSeconds(200), 32, 104.0, null, null));
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(T.plusSeconds(10));

        RemediationEvent e = onlyRemediation();
        // T - 5 min, T - 1 min, T + 30 s in [T - 10 min, T + 1 min]; T + 3:20 outside.
        assertThat(e.getEvidence().getSamples()).isEqualTo(3);
        assertThat(e.getSuggestedVti()).isEqualTo(9);
        assertThat(e.getCreatedTime()).isEqualTo(T.plusSeconds(10));
    }

    @Test
    void restoredPendingPanicWaitsWhileTheHostLoadBacklogIsUnreadThenForItsSamples() throws Exception {
        // A restart an hour after the panic: the panic is in pending-panics (restored), its wall-clock deadline
        // T + 3 min long past, and the task has not read its host-load backlog yet.
        AtomicBoolean drained = new AtomicBoolean(false);
        try (TopologyHarness restarted = new TopologyHarness(PipelineSettings.defaults(), T, Map.of(), partition -> drained.get())) {
            TopologyHarness mine = pipe;
            pipe = restarted;
            try {
                pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
                pipe.advanceWallClockTo(T.plus(Duration.ofHours(1)));
                assertThat(pipe.remediations()).as("backlog unread: no wall-clock decision").isEmpty();
                // The backlog is read: the VM's samples, none past T + 3 min (the VM went quiet after its panic).
                seedHostLoad(VM, T);
                drained.set(true);
                // Drained seen at the punctuation of T + 1 h + 10 s; one grace later, T + 1 h 2 min 10 s, it is due.
                pipe.advanceWallClockTo(T.plus(Duration.ofHours(1)).plusSeconds(10));
                assertThat(pipe.remediations()).isEmpty();
                pipe.advanceWallClockTo(T.plus(Duration.ofHours(1)).plusSeconds(120));
                assertThat(pipe.remediations()).as("grace counted from the backlog read").isEmpty();
                pipe.advanceWallClockTo(T.plus(Duration.ofHours(1)).plusSeconds(130));

                RemediationEvent e = onlyRemediation();
                assertThat(e.getEvidence().getSamples()).isEqualTo(3);
                assertThat(e.getSuggestedVti()).isEqualTo(9);
            } finally {
                pipe = mine;
            }
        }
    }

    @Test
    void restoredPendingPanicIsDecidedByItsOwnSamplesEvenBeforeTheBacklogIsRead() throws Exception {
        AtomicBoolean drained = new AtomicBoolean(false);
        try (TopologyHarness restarted = new TopologyHarness(PipelineSettings.defaults(), T, Map.of(), partition -> drained.get())) {
            TopologyHarness mine = pipe;
            pipe = restarted;
            try {
                pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
                pipe.advanceWallClockTo(T.plus(Duration.ofHours(1)));
                seedHostLoad(VM, T);
                // The VM's sample at T + 3 min is proof enough: all of its earlier samples were read before it.
                pipe.load(load(VM, HOST, T.plusSeconds(180), 32, 104.0, null, null));
                pipe.advanceWallClockTo(T.plus(Duration.ofHours(1)).plusSeconds(10));

                RemediationEvent e = onlyRemediation();
                assertThat(e.getEvidence().getSamples()).isEqualTo(3);
                assertThat(e.getSuggestedVti()).isEqualTo(9);
            } finally {
                pipe = mine;
            }
        }
    }

    @Test
    void panicDeliveredLateStillGivesItsSamplesTheGracePeriod() throws Exception {
        // A collector catches up an hour later: by the wall clock the window closed long ago (T + 3 min), but the
        // deadline is arrival + grace = T + 1 h + 2 min, so samples that come along just after it still count.
        Instant arrival = T.plus(Duration.ofHours(1));
        try (TopologyHarness late = new TopologyHarness(PipelineSettings.defaults(), arrival)) {
            TopologyHarness mine = pipe;
            pipe = late;
            try {
                pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
                pipe.advanceWallClockTo(arrival.plusSeconds(60));
                assertThat(pipe.remediations()).isEmpty();
                pipe.load(load(VM, HOST, T.minusSeconds(60), 32, 110.0, null, null));
                pipe.advanceWallClockTo(arrival.plusSeconds(130));

                RemediationEvent e = onlyRemediation();
                assertThat(e.getEvidence().getSamples()).isEqualTo(1);
                assertThat(e.getSuggestedVti()).isEqualTo(9);
            } finally {
                pipe = mine;
            }
        }
    }

    @Test
    void panicArrivingAfterStreamTimePassedItsWindowWaitsForItsOwnSamples() {
        // Another VM's record has moved the task's stream time 20 minutes past T (a backlog being read after a
        // restart, a collector catching up; within the 30-minute raw window); then this VM's panic of T arrives ahead
        // of its own sample, which sits in the other input's partition. Found by the reliability suite's crash test
        // (INVESTIGATE with 0 samples).
        pipe.load(load("pve1/105", HOST, T.plus(Duration.ofMinutes(20)), 32, 10.0, null, null));
        pipe.panic(panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        // Punctuations pass, stream time is far beyond T + 3 min, but the wall clock (T + 1 min) is not: waiting.
        pipe.advanceWallClockTo(T.plusSeconds(60));
        assertThat(pipe.remediations()).isEmpty();
        pipe.load(load(VM, HOST, T.minusSeconds(60), 32, 110.0, null, null));
        // Wall-clock deadline max(T + 1 min + grace 2 min, arrival T + 2 min) = T + 3 min.
        pipe.advanceWallClockTo(T.plusSeconds(190));

        RemediationEvent e = onlyRemediation();
        assertThat(e.getEvidence().getSamples()).isEqualTo(1);
        assertThat(e.getSuggestedVti()).isEqualTo(9);
    }

    @Test
    void overloadFromVcpuWaitAlone() {
        // load1/CPUs = 16/32 = 0.5 (below 1.0), no PSI; the worst vCPU waited 80 %: R = 1 / (1 − 0.8) = 5;
        // log2 5 = 2.32 → ceil 3 → step 1 + 3 = 4 → vti 6 + 4 = 10 (cap 18 on xnu-7195).
        pipe.load(load(VM, HOST, T.minusSeconds(60), 32, 16.0, 0.8, null));
        pipe.panic(panic(VM, HOST, T, SPINLOCK, XNU_11, null));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        RemediationEvent e = onlyRemediation();
        assertThat(e.getEvidence().getOverloaded()).isTrue();
        assertThat(e.getEvidence().getPeakLoadPerCpu()).isEqualTo(0.5);
        assertThat(e.getEvidence().getWorstVcpuWaitRatio()).isEqualTo(0.8);
        assertThat(e.getEvidence().getSeverity()).isCloseTo(5.0, within(1e-9));
        assertThat(e.getSuggestedVti()).isEqualTo(10);
        assertThat(e.getSuggestedBootArgs()).isEqualTo("keepsyms=1 vti=10");
        assertThat(e.getRationale()).contains("32 s → 512 s");
    }

    @Test
    void nonTimeoutPanicIsCountedButGetsNoRemediation() {
        seedHostLoad(VM, T);
        pipe.panic(panic(VM, HOST, T, KERNEL_TRAP, XNU_10_15, null));
        pipe.advanceWallClockTo(T.plus(Duration.ofHours(2)));

        assertThat(pipe.remediations()).isEmpty();
        assertThat(count(StoreNames.PANIC_COUNTS_PER_CLASS, PanicClass.NON_TIMEOUT.name())).isEqualTo(1);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_VM, VM)).isEqualTo(1);
    }

    @Test
    void reportWithoutHostIsCountedOnTheHostOfItsVmsLatestSample() {
        pipe.load(load(VM, "pve3", T.minus(Duration.ofMinutes(30)), 32, 1.0, null, null));
        pipe.load(load(VM, "pve2", T.minus(Duration.ofMinutes(2)), 32, 1.0, null, null)); // migrated to pve2
        pipe.panic(panic(VM, null, T, KERNEL_TRAP, XNU_10_15, null));
        pipe.panic(panic("pve1/999", null, T, KERNEL_TRAP, XNU_10_15, null)); // no samples at all

        assertThat(count(StoreNames.PANIC_COUNTS_PER_HOST, "pve2")).isEqualTo(1);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_HOST, "pve3")).isZero();
        assertThat(count(StoreNames.PANIC_COUNTS_PER_HOST, StoreNames.UNKNOWN_HOST)).isEqualTo(1);
    }

    @Test
    void reportWithoutHostIsAdvisedOnTheHostItIsCountedOn() {
        pipe.load(load(VM, "pve3", T.minus(Duration.ofHours(5)), 32, 1.0, null, null));
        pipe.load(load(VM, "pve2", T.minus(Duration.ofMinutes(2)), 32, 110.0, null, null)); // migrated to pve2
        pipe.panic(panic(VM, null, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));

        assertThat(count(StoreNames.PANIC_COUNTS_PER_HOST, "pve2")).isEqualTo(1);
        assertThat(onlyRemediation().getHostId()).isEqualTo("pve2");
    }

    @Test
    void blankHostReadBeforeTheVmsSamplesIsCountedUnknownAndAdvisedOnTheSampledHost() {
        // Read before any sample of its VM, the panic is counted at once, on no host; by its decision the samples
        // have come, and the same rule names their host. A blank host is no host, in both places.
        pipe.panic(panic(VM, "  ", T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.load(load(VM, "pve2", T.plusSeconds(30), 32, 110.0, null, null));
        pipe.load(load(VM, "pve2", T.plus(Duration.ofMinutes(3)), 32, 110.0, null, null)); // closes the window
        pipe.advanceWallClockTo(T.plus(Duration.ofSeconds(190)));

        assertThat(count(StoreNames.PANIC_COUNTS_PER_HOST, StoreNames.UNKNOWN_HOST)).isEqualTo(1);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_HOST, "  ")).isZero();
        assertThat(onlyRemediation().getHostId()).isEqualTo("pve2");
    }

    @Test
    void duplicateReportIsCountedAndAdvisedOnce() {
        seedHostLoad(VM, T);
        PanicReport report = panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1");
        pipe.panic(report);
        pipe.panic(report);
        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(4)));
        pipe.panic(report); // re-sent after the decision, too

        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(10)));
        RemediationEvent e = onlyRemediation();
        assertThat(e.getPanicsInWindow()).isEqualTo(1);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_VM, VM)).isEqualTo(1);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_HOST, HOST)).isEqualTo(1);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_CLASS, PanicClass.TLB_FLUSH_TIMEOUT.name())).isEqualTo(1);
    }

    @Test
    void theSameReportTextFromAnotherVmIsThatVmsPanicNotADuplicate() {
        // One partition here, as two VMs share one in a real task: the dedup store must not mix them up.
        String other = "pve1/777";
        seedHostLoad(VM, T);
        seedHostLoad(other, T);
        PanicReport report = panic(VM, HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1");
        PanicReport sameTextOtherVm = PanicReport.newBuilder(report).setVmId(other).build();
        assertThat(sameTextOtherVm.getReportId()).isEqualTo(report.getReportId());
        pipe.panic(report);
        pipe.panic(sameTextOtherVm);
        pipe.panic(sameTextOtherVm); // and still once per VM

        pipe.advanceWallClockTo(T.plus(Duration.ofMinutes(10)));
        assertThat(pipe.remediations()).extracting(RemediationEvent::getVmId).containsExactlyInAnyOrder(VM, other);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_VM, VM)).isEqualTo(1);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_VM, other)).isEqualTo(1);
        assertThat(count(StoreNames.PANIC_COUNTS_PER_HOST, HOST)).isEqualTo(2);
    }

    @Test
    void cooldownSuppressesTheSameAdviceAndEscalationRaisesFurther() {
        // P1 at T: vti 6, R 3.4375 → RAISE_VTI to 9 (published).
        PanicReport p1 = step(T, TLB_FLUSH, "keepsyms=1");
        assertThat(pipe.remediations()).singleElement()
                .satisfies(e -> assertThat(e.getSuggestedVti()).isEqualTo(9));

        // P2 at T + 15 min, boot-args unchanged: the same advice within the 1 h cooldown → not published.
        PanicReport p2 = step(T.plus(Duration.ofMinutes(15)), TLB_FLUSH, "keepsyms=1");
        assertThat(pipe.remediations()).isEmpty();

        // P3 at T + 30 min: the guest applied vti=9 and tlbto_us=0 and now panics on a spinlock. vti 9 ≥ the last
        // suggestion 9 → escalation, published despite the cooldown: 9 + 3 = 12 = cap 12 on xnu-6153.
        PanicReport p3 = step(T.plus(Duration.ofMinutes(30)), SPINLOCK, "keepsyms=1 tlbto_us=0 vti=9");
        RemediationEvent escalated = onlyRemediation();
        assertThat(escalated.getSuggestedVti()).isEqualTo(12);
        assertThat(escalated.getSuggestedBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=12");
        assertThat(escalated.getRationale()).contains("escalating").contains("256 s → 2048 s");
        // P1, P2, P3 all lie within 1 h of P3; P2 was held back, so this event answers P2 and P3.
        assertThat(escalated.getPanicsInWindow()).isEqualTo(3);
        assertThat(escalated.getTriggeringReportIds()).containsExactly(p2.getReportId(), p3.getReportId());
        assertThat(escalated.getTriggeringReportIds()).doesNotContain(p1.getReportId());

        // P4 at T + 45 min with vti=12: at the cap → REDUCE_HOST_LOAD only; the advice changed → published.
        step(T.plus(Duration.ofMinutes(45)), SPINLOCK, "keepsyms=1 tlbto_us=0 vti=12");
        assertThat(onlyRemediation().getActions()).containsExactly(RemediationAction.REDUCE_HOST_LOAD);

        // P5 at T + 50 min: the same at-cap advice 5 min after P4 → not published.
        step(T.plus(Duration.ofMinutes(50)), SPINLOCK, "keepsyms=1 tlbto_us=0 vti=12");
        assertThat(pipe.remediations()).isEmpty();

        // P6 at T + 2 h: 75 min after P4, the cooldown is over → the same advice is published again; the only
        // timeout panic within 1 h of it is itself (P5 was 70 min earlier).
        PanicReport p6 = step(T.plus(Duration.ofHours(2)), SPINLOCK, "keepsyms=1 tlbto_us=0 vti=12");
        RemediationEvent again = onlyRemediation();
        assertThat(again.getActions()).containsExactly(RemediationAction.REDUCE_HOST_LOAD);
        assertThat(again.getPanicsInWindow()).isEqualTo(1);
        assertThat(again.getTriggeringReportIds()).endsWith(p6.getReportId());
    }

    /** One overloaded panic of VM at {@code at}, decided by moving the wall clock past its deadline. */
    private PanicReport step(Instant at, String panicString, String bootArgs) {
        pipe.load(load(VM, HOST, at.minusSeconds(60), 32, 110.0, null, null));
        PanicReport report = panic(VM, HOST, at, panicString, XNU_10_15, bootArgs);
        pipe.panic(report);
        pipe.advanceWallClockTo(at.plus(Duration.ofMinutes(4)));
        return report;
    }

    private long count(String store, String key) {
        WindowStore<String, Long> counts = pipe.driver.getWindowStore(store);
        long total = 0;
        try (KeyValueIterator<Windowed<String>, Long> all = counts.all()) {
            while (all.hasNext()) {
                KeyValue<Windowed<String>, Long> kv = all.next();
                if (kv.key.key().equals(key)) {
                    total += kv.value;
                }
            }
        }
        return total;
    }
}
