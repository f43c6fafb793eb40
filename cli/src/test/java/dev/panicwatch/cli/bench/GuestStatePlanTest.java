package dev.panicwatch.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;

class GuestStatePlanTest {

    @Test
    void theDefaultIsTheAgentsFiveMinutesOverTenSecondSamples() {
        // launchd StartInterval 300 s / pvestatd's 10 s.
        assertThat(GuestStatePlan.DEFAULT_EVERY).isEqualTo(300 / 10);
    }

    @Test
    void eachVmReportsAtBootAndEveryNRounds() {
        GuestStatePlan plan = new GuestStatePlan(30);

        assertThat(IntStream.range(0, 90).filter(plan::reportsAt).boxed().toList()).containsExactly(0, 30, 60);
        // 10,000 VMs x rounds 0, 30, 60 of 90; 20 samples (--quick) leave round 0 only: ceil(20 / 30) = 1.
        assertThat(plan.periodic(10_000, 90)).isEqualTo(30_000);
        assertThat(plan.periodic(500, 20)).isEqualTo(500);
        // 91 samples reach round 90 too: ceil(91 / 30) = 4.
        assertThat(plan.periodic(1, 91)).isEqualTo(4);
    }

    @Test
    void everyPanicPublishesItsBootArgsAndEveryOtherPanickedVmItsAppliedAdvice() {
        GuestStatePlan plan = new GuestStatePlan(10);

        assertThat(IntStream.range(0, 5).filter(plan::appliesAdvice).boxed().toList()).containsExactly(0, 2, 4);
        // 10 panics: 10 reports' boot-args + panics 0, 2, 4, 6, 8 applying.
        assertThat(plan.applying(10)).isEqualTo(5);
        assertThat(plan.afterPanics(10)).isEqualTo(15);
        assertThat(plan.applying(7)).isEqualTo(4);
        assertThat(plan.total(300, 20, 10)).isEqualTo(300 * 2 + 15);
        // BenchCommandIT's run: 300 VMs x rounds 0, 7, 14 of 20 = 900, + 15.
        assertThat(new GuestStatePlan(7).total(300, 20, 10)).isEqualTo(915);
    }

    @Test
    void zeroPublishesNone() {
        GuestStatePlan off = new GuestStatePlan(0);

        assertThat(off.on()).isFalse();
        assertThat(off.reportsAt(0)).isFalse();
        assertThat(off.appliesAdvice(0)).isFalse();
        assertThat(off.total(10_000, 90, 100)).isZero();
    }

    @Test
    void aNegativeRateIsRefusedNamingTheOption() {
        assertThat(GuestStatePlan.problem(-1)).isEqualTo(
                "--guest-state-every must be 0 (no guest states) or a number of samples, not -1");
        assertThat(GuestStatePlan.problem(0)).isNull();
        assertThatThrownBy(() -> new GuestStatePlan(-3)).hasMessageContaining("not -3");
        assertThat(new BenchRun.Sizes(100, 16, 10, 1, false, -1).problem()).contains("--guest-state-every");
    }

    @Test
    void theAgentsReportCarriesTheVtiAndTlbtoUsItsBootArgsSet() {
        Instant last = Instant.parse("2026-12-02T05:00:00Z");
        BenchFleet fleet = new BenchFleet(120, 90, last);

        // Before advice: no vti token, so XNU's 6, tlbto_us unset; observed at round 30's sample time, 59 rounds
        // (590 s) before the last (round 89 of 90); VM 51 is the second host's 101.
        GuestState before = fleet.guestState(51, 30);
        assertThat(before.getVmId()).isEqualTo("bench-pve-001/101");
        assertThat(before.getHostId()).isEqualTo("bench-pve-001");
        assertThat(before.getObservedTime()).isEqualTo(last.minusSeconds(590));
        assertThat(before.getBootArgs()).isEqualTo("keepsyms=1");
        assertThat(before.getVti()).isEqualTo(6);
        assertThat(before.getTlbtoUs()).isNull();
        assertThat(before.getSource()).isEqualTo(GuestStateSource.AGENT);
        assertThat(before.getXnuVersion()).isEqualTo("xnu-6153.141.1");
        assertThat(fleet.guestState(51, 0).getBootTime()).isEqualTo(before.getBootTime());

        // After applying an advice: its boot-args, and what they set.
        Instant reboot = last.minusSeconds(60);
        GuestState after = fleet.guestState(51, "keepsyms=1 vti=8 tlbto_us=0", reboot, last.minusSeconds(30));
        assertThat(after.getVti()).isEqualTo(8);
        assertThat(after.getTlbtoUs()).isZero();
        assertThat(after.getBootTime()).isEqualTo(reboot);
        assertThat(after.getObservedTime()).isEqualTo(last.minusSeconds(30));
    }
}
