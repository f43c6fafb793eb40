package dev.panicwatch.ingest.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * The Proxmox node "pve1" in hostfixtures/proxmox: 8 CPUs; VMs 101 (4 cores, 4 vCPU threads, cpuunits 1024),
 * 102 (2 sockets × 2 cores but vcpus: 3, no readable cgroup pressure), 105 (counters reset between the rounds);
 * 103 is stopped (no pid file), 104 has a stale pid file (process gone), 106's pid file names cron (pid reused).
 * Round 2 is read exactly 10 s after round 1.
 */
class ProxmoxHostSamplingTest {

    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    private static final double EPS = 1e-9;

    @TempDir
    Path temp;

    private FixtureHost host;
    private ManualClock clock;

    @BeforeEach
    void setUp() {
        host = FixtureHost.copy("proxmox", temp);
        clock = new ManualClock(T0);
    }

    private HostSampler sampler(VmIdScheme scheme) {
        return host.sampler(scheme, "pve1", clock);
    }

    private SamplingRound secondRound(HostSampler sampler) {
        clock.advance(Duration.ofSeconds(10));
        host.advanceToRound2();
        return sampler.sampleRound();
    }

    @Test
    void firstRoundHasTheRunningVmsWithInstantFiguresAndNoRates() {
        SamplingRound round = sampler(VmIdScheme.AUTO).sampleRound();

        // 103 stopped, 104's process is gone, 106's pid is cron: only 101, 102, 105 run.
        assertThat(round.vmsRunning()).isEqualTo(3);
        Map<String, HostLoadSample> vms = FixtureHost.byVm(round);
        assertThat(vms).containsOnlyKeys("pve1/101", "pve1/102", "pve1/105");

        for (HostLoadSample s : vms.values()) {
            assertThat(s.getHostId()).isEqualTo("pve1"); // proc/sys/kernel/hostname
            assertThat(s.getSampleTime()).isEqualTo(T0);
            assertThat(s.getIntervalMillis()).isEqualTo(10_000L); // nominal: nothing measured yet
            assertThat(s.getHostCpus()).isEqualTo(8); // cpu0..cpu7 lines
            assertThat(s.getLoad1()).isEqualTo(9.84);
            assertThat(s.getLoad5()).isEqualTo(8.12);
            assertThat(s.getLoad15()).isEqualTo(7.40);
            assertThat(s.getCpuPressureSome10()).isEqualTo(35.20);
            assertThat(s.getHostCpuBusy()).isNull();
            assertThat(s.getVmCpuUsage()).isNull();
            assertThat(s.getVcpuWaitRatioMax()).isNull();
        }
        HostLoadSample vm101 = vms.get("pve1/101");
        assertThat(vm101.getVmVcpus()).isEqualTo(4); // cores 4 × sockets 1; the snapshot's "cores: 2" is ignored
        assertThat(vm101.getCpuunits()).isEqualTo(1024);
        assertThat(vm101.getSmbiosUuid()).isEqualTo("4c4c4544-0031-3910-8052-b4c04f4e4b31");
        assertThat(vm101.getVmCpuPressureSome10()).isEqualTo(20.00);

        HostLoadSample vm102 = vms.get("pve1/102");
        assertThat(vm102.getVmVcpus()).isEqualTo(3); // vcpus: 3 wins over sockets 2 × cores 2
        assertThat(vm102.getCpuunits()).isNull();
        assertThat(vm102.getSmbiosUuid()).isEqualTo("8e5d3c2b-1a09-4f87-b6e5-d4c3b2a19087");
        assertThat(vm102.getVmCpuPressureSome10()).isNull(); // no qemu.slice/102.scope

        HostLoadSample vm105 = vms.get("pve1/105");
        assertThat(vm105.getVmVcpus()).isEqualTo(2);
        assertThat(vm105.getCpuunits()).isEqualTo(512);
        // The config has no smbios1 line; the command line's -smbios type=1 names the UUID QEMU gives the guest.
        assertThat(vm105.getSmbiosUuid()).isEqualTo("11111111-2222-3333-4444-555555555555");
        assertThat(vm105.getVmCpuPressureSome10()).isEqualTo(5.00);
    }

    @Test
    void onAHybridCgroupHostTheVmPressureIsReadFromTheUnifiedHierarchy() throws Exception {
        // Proxmox VE 6 (and any host booted with systemd's hybrid layout): the v1 controllers are mounted in
        // /sys/fs/cgroup/<controller>, cgroup2 without controllers at /sys/fs/cgroup/unified, and the VM's scope with
        // its cpu.pressure only exists under the latter. Found on the build machines' real guests.
        Path cgroup = host.root.resolve("sys/fs/cgroup");
        Path unified = Files.createDirectories(cgroup.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "\n"); // a cgroup2 root with no controllers
        Files.move(cgroup.resolve("qemu.slice"), unified.resolve("qemu.slice"));
        Files.createDirectories(cgroup.resolve("cpu/qemu.slice/101.scope")); // v1: no pressure files at all

        Map<String, HostLoadSample> vms = FixtureHost.byVm(sampler(VmIdScheme.AUTO).sampleRound());

        assertThat(vms.get("pve1/101").getVmCpuPressureSome10()).isEqualTo(20.00);
        assertThat(vms.get("pve1/105").getVmCpuPressureSome10()).isEqualTo(5.00);
    }

    @Test
    void secondRoundComputesRatesFromTheDeltasOverTenSeconds() {
        HostSampler sampler = sampler(VmIdScheme.AUTO);
        sampler.sampleRound();
        Map<String, HostLoadSample> vms = FixtureHost.byVm(secondRound(sampler));

        assertThat(vms).containsOnlyKeys("pve1/101", "pve1/102", "pve1/105");
        for (HostLoadSample s : vms.values()) {
            assertThat(s.getSampleTime()).isEqualTo(T0.plusSeconds(10));
            assertThat(s.getIntervalMillis()).isEqualTo(10_000L);
            assertThat(s.getLoad1()).isEqualTo(12.50);
            assertThat(s.getLoad5()).isEqualTo(10.20);
            assertThat(s.getLoad15()).isEqualTo(8.05);
            assertThat(s.getCpuPressureSome10()).isEqualTo(42.17);
            // /proc/stat deltas: user +5200, nice 0, system +700, idle +1900, iowait +100, irq 0, softirq +100,
            // steal 0 → total 8000 ticks (= 8 CPUs × 10 s × 100); guest +4800 is inside user, not added.
            // busy = 1 − (idle + iowait)/total = 1 − 2000/8000 = 0.75
            assertThat(s.getHostCpuBusy()).isCloseTo(0.75, within(EPS));
        }

        HostLoadSample vm101 = vms.get("pve1/101");
        // utime 50000 → 52800 (+2800), stime 2000 → 2200 (+200): 3000 ticks = 30 CPU-s in 10 s = 3.0 cores
        assertThat(vm101.getVmCpuUsage()).isCloseTo(3.0, within(EPS));
        // vCPU wait (schedstat field 2): CPU 0 1.0 → 3.5 s = 0.25; CPU 1 2.0 → 6.0 s = 0.40; CPU 2 0.5 → 1.5 s = 0.10;
        // CPU 3 unchanged = 0. The "worker" thread waited 0.1 → 9.1 s (0.90) but is no vCPU. Max = 0.40.
        assertThat(vm101.getVcpuWaitRatioMax()).isCloseTo(0.40, within(EPS));
        assertThat(vm101.getVmCpuPressureSome10()).isEqualTo(31.50);

        HostLoadSample vm102 = vms.get("pve1/102");
        // utime 30000 → 31400 (+1400), stime 1000 → 1100 (+100): 1500 ticks = 15 s / 10 s = 1.5 cores
        assertThat(vm102.getVmCpuUsage()).isCloseTo(1.5, within(EPS));
        // waits: 10 → 16 s = 0.60; 12 → 19.5 s = 0.75; 9 → 14 s = 0.50. Max = 0.75.
        assertThat(vm102.getVcpuWaitRatioMax()).isCloseTo(0.75, within(EPS));
        assertThat(vm102.getVmCpuPressureSome10()).isNull();

        HostLoadSample vm105 = vms.get("pve1/105");
        // utime 90000 → 120: the counter went backwards, so there is no usage this round.
        assertThat(vm105.getVmCpuUsage()).isNull();
        // CPU 0 waited 3 → 4 s = 0.10; CPU 1's counter reset (8 → 2 s) and is skipped. Max = 0.10.
        assertThat(vm105.getVcpuWaitRatioMax()).isCloseTo(0.10, within(EPS));
        assertThat(vm105.getVmCpuPressureSome10()).isEqualTo(6.25);
    }

    @Test
    void thirdRoundAfterAResetHasRatesAgain() {
        HostSampler sampler = sampler(VmIdScheme.AUTO);
        sampler.sampleRound();
        secondRound(sampler);
        // Round 3, 10 s later: VM 105's utime 120 → 620 (+500), stime 30 → 30: 500 ticks = 5 s / 10 s = 0.5 cores.
        host.write("proc/2501/stat", statWithTicks(2501, 620, 30));
        clock.advance(Duration.ofSeconds(10));
        HostLoadSample vm105 = FixtureHost.byVm(sampler.sampleRound()).get("pve1/105");
        assertThat(vm105.getVmCpuUsage()).isCloseTo(0.5, within(EPS));
    }

    @Test
    void aVmThatStopsBetweenRoundsLeavesWithoutErrorAndTheOthersKeepTheirFigures() {
        HostSampler sampler = sampler(VmIdScheme.AUTO);
        sampler.sampleRound();
        host.advanceToRound2();
        host.delete("proc/2201"); // VM 102's QEMU exits; its pid file is still there (Proxmox removes it later)
        clock.advance(Duration.ofSeconds(10));

        Map<String, HostLoadSample> vms = FixtureHost.byVm(sampler.sampleRound());

        assertThat(vms).containsOnlyKeys("pve1/101", "pve1/105");
        assertThat(vms.get("pve1/101").getVmCpuUsage()).isCloseTo(3.0, within(EPS));
    }

    @Test
    void aVmRestartedUnderItsVmidStartsAFreshBaseline() {
        HostSampler sampler = sampler(VmIdScheme.AUTO);
        sampler.sampleRound();
        host.advanceToRound2();
        // VM 101 restarted as pid 2601: a different process whose counters must not be subtracted from 2101's.
        host.write("run/qemu-server/101.pid", "2601\n");
        host.write("proc/2601/cmdline", "/usr/bin/kvm\0-id\0" + "101\0-name\0macos-ci-1,debug-threads=on\0");
        host.write("proc/2601/stat", statWithTicks(2601, 100, 10));
        host.write("proc/2601/task/2610/comm", "CPU 0/KVM\n");
        host.write("proc/2601/task/2610/schedstat", "1000 2000 3\n");
        clock.advance(Duration.ofSeconds(10));

        HostLoadSample vm101 = FixtureHost.byVm(sampler.sampleRound()).get("pve1/101");

        assertThat(vm101.getVmCpuUsage()).isNull();
        assertThat(vm101.getVcpuWaitRatioMax()).isNull();
    }

    @Test
    void vmIdsCanBeTheNameOrTheSmbiosUuid() {
        assertThat(FixtureHost.byVm(sampler(VmIdScheme.NAME).sampleRound()))
                .containsOnlyKeys("macos-ci-1", "macos-ci-2", "win-build");
        assertThat(FixtureHost.byVm(sampler(VmIdScheme.UUID).sampleRound())).containsOnlyKeys(
                "4c4c4544-0031-3910-8052-b4c04f4e4b31", "8e5d3c2b-1a09-4f87-b6e5-d4c3b2a19087",
                "11111111-2222-3333-4444-555555555555");
    }

    @Test
    void unreadableHostFiguresGiveAnEmptyRoundAndTheNextGoodRoundRecovers() {
        HostSampler sampler = sampler(VmIdScheme.AUTO);
        host.delete("proc/loadavg");

        SamplingRound broken = sampler.sampleRound();

        assertThat(broken.samples()).isEmpty();
        assertThat(broken.vmsRunning()).isEqualTo(3);
        assertThat(broken.hostProblem()).get().asString().contains("load average");

        host.advanceToRound2(); // brings loadavg back
        clock.advance(Duration.ofSeconds(10));
        List<HostLoadSample> samples = sampler.sampleRound().samples();
        assertThat(samples).hasSize(3);
        // The broken round stored no baseline, so this round is a first round again.
        assertThat(samples).allSatisfy(s -> assertThat(s.getHostCpuBusy()).isNull());
    }

    @Test
    void malformedFilesLeaveOnlyTheirOwnFigureEmpty() {
        HostSampler sampler = sampler(VmIdScheme.AUTO);
        sampler.sampleRound();
        host.advanceToRound2();
        host.write("proc/pressure/cpu", "some avg10=banana\n");
        host.write("proc/2101/task/2111/schedstat", "garbage\n"); // CPU 1 of VM 101, the 0.40 one
        host.write("sys/fs/cgroup/qemu.slice/105.scope/cpu.pressure", "");
        clock.advance(Duration.ofSeconds(10));

        Map<String, HostLoadSample> vms = FixtureHost.byVm(sampler.sampleRound());

        assertThat(vms.values()).allSatisfy(s -> assertThat(s.getCpuPressureSome10()).isNull());
        // Without CPU 1, VM 101's worst vCPU is CPU 0 at 0.25.
        assertThat(vms.get("pve1/101").getVcpuWaitRatioMax()).isCloseTo(0.25, within(EPS));
        assertThat(vms.get("pve1/101").getVmCpuUsage()).isCloseTo(3.0, within(EPS));
        assertThat(vms.get("pve1/105").getVmCpuPressureSome10()).isNull();
        assertThat(vms.get("pve1/101").getHostCpuBusy()).isCloseTo(0.75, within(EPS));
    }

    /** A /proc/<pid>/stat line with the given utime and stime (fields 14 and 15). */
    static String statWithTicks(int pid, long utime, long stime) {
        return pid + " (kvm) S 1 " + pid + " " + pid + " 0 -1 138412352 1234567 0 12 0 " + utime + " " + stime
                + " 0 0 20 0 7 0 1234 17179869184 2100000 18446744073709551615 1 1 0 0 0 0 268444224 4096 16963"
                + " 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n";
    }
}
