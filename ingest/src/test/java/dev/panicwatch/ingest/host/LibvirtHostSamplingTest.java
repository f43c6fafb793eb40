package dev.panicwatch.ingest.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * The libvirt host "kvm7" in hostfixtures/libvirt: 4 CPUs, cgroup v2. Processes: init, a kernel thread (empty
 * command line), libvirtd, "vim qemu-notes.txt" (mentions qemu, is no VM), libvirt's QEMU for "macos-sonoma"
 * (-name guest=..., -smp 4 with a topology, cgroup machine.slice/...scope/libvirt/emulator) and a hand-started QEMU
 * named "ventura,,lab" (QEMU's escaped comma) with -smp cpus=2 in a login session's cgroup.
 */
class LibvirtHostSamplingTest {

    private static final Instant T0 = Instant.parse("2026-11-20T10:00:00Z");
    private static final double EPS = 1e-9;

    @TempDir
    Path temp;

    private FixtureHost host;
    private ManualClock clock;

    @BeforeEach
    void setUp() {
        host = FixtureHost.copy("libvirt", temp);
        clock = new ManualClock(T0);
    }

    private HostSampler sampler(VmIdScheme scheme) {
        return host.sampler(scheme, "unused", clock);
    }

    @Test
    void autoDetectsAPlainQemuHostAndFindsOnlyTheQemuProcesses() {
        assertThat(HostPlatform.AUTO.resolve(host.roots())).isEqualTo(HostPlatform.QEMU);

        Map<String, HostLoadSample> vms = FixtureHost.byVm(sampler(VmIdScheme.AUTO).sampleRound());

        assertThat(vms).containsOnlyKeys("macos-sonoma", "ventura,lab");
        for (HostLoadSample s : vms.values()) {
            assertThat(s.getHostId()).isEqualTo("kvm7");
            assertThat(s.getHostCpus()).isEqualTo(4);
            assertThat(s.getLoad1()).isEqualTo(1.20);
            assertThat(s.getCpuPressureSome10()).isEqualTo(1.50);
            assertThat(s.getCpuunits()).isNull(); // a Proxmox-only setting
            assertThat(s.getHostCpuBusy()).isNull();
            assertThat(s.getVmCpuUsage()).isNull();
            assertThat(s.getVcpuWaitRatioMax()).isNull();
        }
        HostLoadSample sonoma = vms.get("macos-sonoma");
        assertThat(sonoma.getVmVcpus()).isEqualTo(4); // -smp 4,sockets=1,dies=1,cores=2,threads=2
        assertThat(sonoma.getSmbiosUuid()).isEqualTo("5b1c6a3e-9d2f-4e1a-8f3b-2c7d9e0a1b4c");
        // The emulator thread's cgroup is .../libvirt/emulator; the VM's pressure is its scope's.
        assertThat(sonoma.getVmCpuPressureSome10()).isEqualTo(12.00);

        HostLoadSample ventura = vms.get("ventura,lab");
        assertThat(ventura.getVmVcpus()).isEqualTo(2); // -smp cpus=2
        assertThat(ventura.getSmbiosUuid()).isEqualTo("a7e3f0d2-6b4c-4d8e-9f1a-3c5b7d9e1f20");
        assertThat(ventura.getVmCpuPressureSome10()).isNull(); // session scope has no pressure file here
    }

    @Test
    void onAHybridCgroupHostTheScopeIsFoundInTheUnifiedHierarchy() throws Exception {
        // systemd's hybrid layout: /proc/<pid>/cgroup's 0:: path is relative to /sys/fs/cgroup/unified, where the
        // VM's scope and its cpu.pressure are; /sys/fs/cgroup itself is a tmpfs of v1 controller mounts.
        Path cgroup = host.root.resolve("sys/fs/cgroup");
        Path unified = Files.createDirectories(cgroup.resolve("unified"));
        Files.writeString(unified.resolve("cgroup.controllers"), "\n");
        Files.move(cgroup.resolve("machine.slice"), unified.resolve("machine.slice"));

        Map<String, HostLoadSample> vms = FixtureHost.byVm(sampler(VmIdScheme.AUTO).sampleRound());

        assertThat(vms.get("macos-sonoma").getVmCpuPressureSome10()).isEqualTo(12.00);
    }

    @Test
    void secondRoundComputesRatesFromTheDeltasOverTenSeconds() {
        HostSampler sampler = sampler(VmIdScheme.AUTO);
        sampler.sampleRound();
        clock.advance(Duration.ofSeconds(10));
        host.advanceToRound2();

        Map<String, HostLoadSample> vms = FixtureHost.byVm(sampler.sampleRound());

        for (HostLoadSample s : vms.values()) {
            assertThat(s.getLoad1()).isEqualTo(1.52);
            assertThat(s.getCpuPressureSome10()).isEqualTo(2.75);
            // /proc/stat: user +700, system +250, idle +3000, softirq +50 = 4000 ticks (4 CPUs × 10 s × 100);
            // busy = 1 − 3000/4000 = 0.25
            assertThat(s.getHostCpuBusy()).isCloseTo(0.25, within(EPS));
        }
        HostLoadSample sonoma = vms.get("macos-sonoma");
        // utime 20000 → 21800 (+1800), stime 1000 → 1200 (+200): 2000 ticks = 20 s / 10 s = 2.0 cores
        assertThat(sonoma.getVmCpuUsage()).isCloseTo(2.0, within(EPS));
        // vCPU waits: 1.0 → 1.5 s = 0.05; 2.0 → 3.2 s = 0.12; 3.0 → 3.3 s = 0.03; 4.0 → 4.9 s = 0.09. Max 0.12.
        // ("IO mon_iothread" waited 5 → 14 s = 0.9 but is no vCPU.)
        assertThat(sonoma.getVcpuWaitRatioMax()).isCloseTo(0.12, within(EPS));
        assertThat(sonoma.getVmCpuPressureSome10()).isEqualTo(18.40);

        HostLoadSample ventura = vms.get("ventura,lab");
        // utime 7000 → 7450 (+450), stime 300 → 350 (+50): 500 ticks = 5 s / 10 s = 0.5 cores
        assertThat(ventura.getVmCpuUsage()).isCloseTo(0.5, within(EPS));
        // waits: 6 → 8 s = 0.20; 7 → 9.5 s = 0.25. Max 0.25.
        assertThat(ventura.getVcpuWaitRatioMax()).isCloseTo(0.25, within(EPS));
    }

    @Test
    void aQemuStartedBetweenRoundsHasNoRatesInItsFirstRound() {
        HostSampler sampler = sampler(VmIdScheme.AUTO);
        sampler.sampleRound();
        host.advanceToRound2();
        host.write("proc/3300/cmdline", "/usr/libexec/qemu-kvm\0-name\0guest=rhel9,debug-threads=on\0-smp\01\0");
        host.write("proc/3300/stat", ProxmoxHostSamplingTest.statWithTicks(3300, 10, 2));
        host.write("proc/3300/task/3301/comm", "CPU 0/KVM\n");
        host.write("proc/3300/task/3301/schedstat", "100 200 3\n");
        clock.advance(Duration.ofSeconds(10));

        Map<String, HostLoadSample> vms = FixtureHost.byVm(sampler.sampleRound());

        assertThat(vms).containsOnlyKeys("macos-sonoma", "ventura,lab", "rhel9");
        assertThat(vms.get("rhel9").getVmCpuUsage()).isNull();
        assertThat(vms.get("rhel9").getVcpuWaitRatioMax()).isNull();
        assertThat(vms.get("rhel9").getVmVcpus()).isEqualTo(1);
        assertThat(vms.get("macos-sonoma").getVmCpuUsage()).isCloseTo(2.0, within(EPS));
    }

    @Test
    void twoQemusWithOneNameYieldOneSampleNotACrash() {
        host.write("proc/3400/cmdline", "qemu-system-x86_64\0-name\0macos-sonoma\0-smp\0" + "1\0");
        host.write("proc/3400/stat", ProxmoxHostSamplingTest.statWithTicks(3400, 1, 1));

        SamplingRound round = sampler(VmIdScheme.AUTO).sampleRound();

        assertThat(round.vmsRunning()).isEqualTo(3);
        assertThat(round.samples()).extracting(HostLoadSample::getVmId)
                .containsExactlyInAnyOrder("macos-sonoma", "ventura,lab");
    }

    @Test
    void vmIdsCanBeTheUuid() {
        assertThat(FixtureHost.byVm(sampler(VmIdScheme.UUID).sampleRound()))
                .containsOnlyKeys("5b1c6a3e-9d2f-4e1a-8f3b-2c7d9e0a1b4c", "a7e3f0d2-6b4c-4d8e-9f1a-3c5b7d9e1f20");
    }

    @Test
    void vmidNamingIsRefusedWithoutProxmox() {
        assertThatThrownBy(() -> sampler(VmIdScheme.VMID))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("needs Proxmox");
    }
}
