package dev.panicwatch.streams.topology;

import static dev.panicwatch.streams.topology.Scenario.TLB_FLUSH;
import static dev.panicwatch.streams.topology.Scenario.XNU_10_15;
import static dev.panicwatch.streams.topology.Scenario.guest;
import static dev.panicwatch.streams.topology.Scenario.load;
import static dev.panicwatch.streams.topology.Scenario.panic;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.config.PipelineSettings;

/**
 * docs/design.md#preventive-advice through the real topology (defaults: cooldown 1 h, caps 12 / 18). Host pve1 has
 * 32 CPUs at load1 110 (110/32 = 3.44, overloaded); pve1/104 panics at T with a TLB-flush timeout and is advised
 * vti 6 -> 9, as in the worked example.
 */
class PeerWarningTopologyTest {

    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z");
    private static final String HOST = "pve1";

    private TopologyHarness pipe;

    @BeforeEach
    void start() throws Exception {
        pipe = new TopologyHarness(PipelineSettings.defaults(), T);
    }

    @AfterEach
    void stop() throws Exception {
        pipe.close();
    }

    private static Instant at(long minutesAfterT) {
        return T.plus(Duration.ofMinutes(minutesAfterT));
    }

    /** The host's load as each of {@code vms} samples it around {@code around}. */
    private void hostLoad(String host, double load1, Instant around, String... vms) {
        for (long offset : new long[] {-300, -60, 30}) {
            for (String vm : vms) {
                pipe.load(load(vm, host, around.plusSeconds(offset), 32, load1, null, null));
            }
        }
    }

    private List<RemediationEvent> preventive(List<RemediationEvent> events) {
        return events.stream().filter(e -> e.getActions().contains(RemediationAction.RAISE_VTI_PREVENTIVE)).toList();
    }

    @Test
    void peersWithALowerVtiAreWarnedAndPeersWithoutGuestStateAreNamedNotAdvised() {
        pipe.guest(guest("pve1/105", HOST, at(-30), "keepsyms=1", T.minus(Duration.ofDays(2))));
        pipe.guest(guest("pve1/107", HOST, at(-30), "keepsyms=1 vti=10", T.minus(Duration.ofDays(2))));
        pipe.guest(guest("pve2/108", "pve2", at(-30), "keepsyms=1", T.minus(Duration.ofDays(2))));
        hostLoad(HOST, 110.0, T, "pve1/104", "pve1/105", "pve1/106", "pve1/107");
        hostLoad("pve2", 110.0, T, "pve2/108");
        pipe.panic(panic("pve1/104", HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(at(4));

        List<RemediationEvent> events = pipe.remediations();
        assertThat(events).extracting(RemediationEvent::getVmId).containsExactlyInAnyOrder("pve1/104", "pve1/105");
        RemediationEvent peer = events.get(0);
        RemediationEvent warning = preventive(events).get(0);
        assertThat(peer.getActions()).contains(RemediationAction.RAISE_VTI);
        // 105 runs vti 6 < 9 (cap 12 on its xnu-6153): raise to 9; its own boot-args keepsyms=1 gain vti=9 only
        // (tlbto_us=0 answers a TLB-flush panic, which 105 has not had). 0.5 s x 2^6 = 32 s, x 2^9 = 256 s.
        // 107 runs vti 10 >= 9: not at risk. 106 has no guest state: named, not advised. 108 is on another host.
        assertThat(warning.getVmId()).isEqualTo("pve1/105");
        assertThat(warning.getHostId()).isEqualTo(HOST);
        assertThat(warning.getActions()).containsExactly(RemediationAction.RAISE_VTI_PREVENTIVE,
                RemediationAction.REDUCE_HOST_LOAD);
        assertThat(warning.getCurrentVti()).isEqualTo(6);
        assertThat(warning.getSuggestedVti()).isEqualTo(9);
        assertThat(warning.getSuggestedBootArgs()).isEqualTo("keepsyms=1 vti=9");
        assertThat(warning.getEffectiveTimeoutBeforeMillis()).isEqualTo(32_000L);
        assertThat(warning.getEffectiveTimeoutAfterMillis()).isEqualTo(256_000L);
        // The shared load is the evidence and the peer's panic is named; no report of its own triggered it.
        assertThat(warning.getTriggeringReportIds()).isEmpty();
        assertThat(warning.getRationale()).contains(peer.getTriggeringReportIds().get(0));
        assertThat(warning.getPanicClass()).isEqualTo(peer.getPanicClass());
        assertThat(warning.getEvidence()).isEqualTo(peer.getEvidence());
        assertThat(warning.getPanicsInWindow()).isZero();
        assertThat(warning.getRemediationId()).isNotEqualTo(peer.getRemediationId()).hasSize(32);
        assertThat(warning.getRationale()).contains("pve1/104").contains("3.44").contains("vti=6")
                .contains("unknown vti").contains("pve1/106").doesNotContain("pve1/107").doesNotContain("pve2/108");

        // What the query API's /at-risk shows for pve1: 104's advice, 105 warned from vti 6 to 9, 106 unknown.
        HostAtRisk atRisk = pipe.driver.<String, HostAtRisk>getKeyValueStore(StoreNames.AT_RISK_PER_HOST).get(HOST);
        assertThat(atRisk.hostId()).isEqualTo(HOST);
        assertThat(atRisk.advice()).containsExactly(new HostAtRisk.Advice("pve1/104", peer.getRemediationId(),
                T.toString(), 9, List.of(new HostAtRisk.Peer("pve1/105", 6, 9, warning.getRemediationId())),
                List.of("pve1/106")));
        assertThat(pipe.driver.<String, HostAtRisk>getKeyValueStore(StoreNames.AT_RISK_PER_HOST).get("pve2")).isNull();
    }

    @Test
    void aPeerIsWarnedOncePerCooldown() {
        pipe.guest(guest("pve1/105", HOST, at(-30), "keepsyms=1", T.minus(Duration.ofDays(2))));
        hostLoad(HOST, 110.0, T, "pve1/104", "pve1/105");
        pipe.panic(panic("pve1/104", HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(at(4));
        assertThat(preventive(pipe.remediations())).hasSize(1);

        // pve1/109 appears at T + 20 min and panics at T + 30 min: its advice comes 30 min after 105's warning.
        hostLoad(HOST, 110.0, at(30), "pve1/104", "pve1/105", "pve1/109");
        pipe.panic(panic("pve1/109", HOST, at(30), TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(at(35));
        List<RemediationEvent> second = pipe.remediations();
        assertThat(second).extracting(RemediationEvent::getVmId).containsExactly("pve1/109");
        // Both advice are listed for the host, by VM id: 109's warned nobody (105 was within its cooldown).
        HostAtRisk atRisk = pipe.driver.<String, HostAtRisk>getKeyValueStore(StoreNames.AT_RISK_PER_HOST).get(HOST);
        assertThat(atRisk.advice()).extracting(HostAtRisk.Advice::vmId).containsExactly("pve1/104", "pve1/109");
        assertThat(atRisk.advice().get(0).warned()).extracting(HostAtRisk.Peer::vmId).containsExactly("pve1/105");
        assertThat(atRisk.advice().get(1).warned()).isEmpty();
        assertThat(atRisk.advice().get(1).advisedTime()).isEqualTo(at(30).toString());

        // At T + 70 min (70 >= 60 min after the first warning) 104 panics again and is advised again: 105 is
        // warned again.
        hostLoad(HOST, 110.0, at(70), "pve1/104", "pve1/105", "pve1/109");
        pipe.panic(panic("pve1/104", HOST, at(70), TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(at(75));
        List<RemediationEvent> third = pipe.remediations();
        assertThat(preventive(third)).extracting(RemediationEvent::getVmId).containsExactly("pve1/105");
    }

    @Test
    void whatAPeerRanIsTakenAsOfTheAdviceSoAReplayGivesTheSameWarnings() {
        // 105 was seen running vti 6 at T - 30 min, then (read before the advice, as a fast replay does) at
        // T + 20 min with vti 12: at the advice's time T it ran vti 6, so it is warned.
        pipe.guest(guest("pve1/105", HOST, at(-30), "keepsyms=1", T.minus(Duration.ofDays(2))));
        pipe.guest(guest("pve1/105", HOST, at(20), "keepsyms=1 vti=12", at(10)));
        // 106's only guest state is from after the advice: unknown vti at T.
        pipe.guest(guest("pve1/106", HOST, at(25), "keepsyms=1", T.minus(Duration.ofDays(2))));
        // 107 panicked itself 20 min before (its report's boot-args are its latest observation): its own advice
        // covers it, no preventive one.
        pipe.guest(GuestState.newBuilder(guest("pve1/107", HOST, at(-20), "keepsyms=1",
                T.minus(Duration.ofDays(2)))).setSource(GuestStateSource.PANIC_REPORT).build());
        hostLoad(HOST, 110.0, T, "pve1/104", "pve1/105", "pve1/106", "pve1/107");
        pipe.panic(panic("pve1/104", HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(at(4));

        List<RemediationEvent> warnings = preventive(pipe.remediations());
        assertThat(warnings).extracting(RemediationEvent::getVmId).containsExactly("pve1/105");
        assertThat(warnings.get(0).getCurrentVti()).isEqualTo(6);
        assertThat(warnings.get(0).getRationale()).contains("unknown vti").contains("pve1/106")
                .doesNotContain("pve1/107");
    }

    @Test
    void aPeerThatPanickedItselfIsNotWarnedEvenWhenItsAgentReportedAtThePanicsSecond() {
        // 105's agent reports at T - 2 min, the same second as 105's own panic report, and is read first. Both
        // observations have one time; the panic report's is the one that says 105 has its own advice (at T - 2 min,
        // within the 1 h cooldown of 104's advice at T), so 104's advice must not warn it too.
        pipe.guest(guest("pve1/105", HOST, at(-2), "keepsyms=1", T.minus(Duration.ofDays(2))));
        hostLoad(HOST, 110.0, T, "pve1/104", "pve1/105");
        pipe.panic(panic("pve1/105", HOST, at(-2), TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        // The receiver publishes the report's Boot args line as a guest state of the panic's time (ingest's
        // ReportedBootArgs), after the agent's.
        pipe.guest(GuestState.newBuilder(guest("pve1/105", HOST, at(-2), "keepsyms=1", null))
                .setSource(GuestStateSource.PANIC_REPORT).build());
        pipe.panic(panic("pve1/104", HOST, T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(at(4));

        List<RemediationEvent> events = pipe.remediations();
        // Each got its own RAISE_VTI advice; 104 has no guest state, so 105's advice names it "unknown vti".
        assertThat(events).extracting(RemediationEvent::getVmId).containsExactlyInAnyOrder("pve1/104", "pve1/105");
        assertThat(preventive(events)).isEmpty();
    }

    @Test
    void noWarningWhenTheAdvisedHostWasNotOverloaded() {
        pipe.guest(guest("pve3/302", "pve3", at(-30), "keepsyms=1", T.minus(Duration.ofDays(2))));
        // load1 8 on 32 CPUs = 0.25 < 1.0: INVESTIGATE, no vti advice, nothing for the peers.
        hostLoad("pve3", 8.0, T, "pve3/301", "pve3/302");
        pipe.panic(panic("pve3/301", "pve3", T, TLB_FLUSH, XNU_10_15, "keepsyms=1"));
        pipe.advanceWallClockTo(at(4));
        List<RemediationEvent> events = pipe.remediations();
        assertThat(events).extracting(RemediationEvent::getVmId).containsExactly("pve3/301");
        assertThat(events.get(0).getActions()).containsExactly(RemediationAction.INVESTIGATE);
    }
}
