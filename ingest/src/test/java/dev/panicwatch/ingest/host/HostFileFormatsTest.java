package dev.panicwatch.ingest.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The parsers of each host file, on lines in the kernel's / QEMU's / Proxmox's formats and on broken ones. */
class HostFileFormatsTest {

    @Nested
    class LoadAverages {
        @Test
        void readsTheThreeAverages() {
            assertThat(LoadAverage.parse("110.52 98.10 77.00 121/2345 99999\n"))
                    .isEqualTo(new LoadAverage(110.52, 98.10, 77.00));
        }

        @Test
        void refusesTextThatIsNoLoadavg() {
            assertThatThrownBy(() -> LoadAverage.parse("1.0 2.0")).hasMessageContaining("three load averages");
            assertThatThrownBy(() -> LoadAverage.parse("a b c d e")).hasMessageContaining("not numbers");
            assertThatThrownBy(() -> LoadAverage.parse("-1 0 0 1/1 1")).hasMessageContaining("not numbers");
        }
    }

    @Nested
    class CpuTimes {
        @Test
        void totalsTheFirstEightColumnsAndCountsIdlePlusIowait() {
            String stat = "cpu  10 20 30 40 50 60 70 80 1000 2000\n"
                    + "cpu0 5 10 15 20 25 30 35 40 500 1000\n"
                    + "cpu1 5 10 15 20 25 30 35 40 500 1000\n"
                    + "intr 1 2 3\nctxt 5\n";
            // total = 10+20+30+40+50+60+70+80 = 360 (guest 1000 and guest_nice 2000 are inside user/nice);
            // idle = 40 + 50 = 90; two cpuN lines
            assertThat(HostCpuTimes.parse(stat)).isEqualTo(new HostCpuTimes(360, 90, 2));
        }

        @Test
        void busyShareIsOneMinusIdleDeltaOverTotalDelta() {
            HostCpuTimes before = new HostCpuTimes(1000, 400, 4);
            // Δtotal 1200, Δidle 300 → 1 − 300/1200 = 0.75
            assertThat(new HostCpuTimes(2200, 700, 4).busySince(before)).isEqualTo(0.75);
        }

        @Test
        void aResetOrAStandstillGivesNoBusyShare() {
            HostCpuTimes before = new HostCpuTimes(1000, 400, 4);
            assertThat(new HostCpuTimes(500, 100, 4).busySince(before)).isNull();
            assertThat(new HostCpuTimes(1000, 400, 4).busySince(before)).isNull();
        }

        @Test
        void refusesAStatWithoutCpuLines() {
            assertThatThrownBy(() -> HostCpuTimes.parse("intr 1 2\n")).hasMessageContaining("no aggregate 'cpu ' line");
            assertThatThrownBy(() -> HostCpuTimes.parse("cpu  1 2 3 4 5 6 7 8\n"))
                    .hasMessageContaining("no per-CPU");
            assertThatThrownBy(() -> HostCpuTimes.parse("cpu  1 x 3 4\ncpu0 1 2 3 4\n"))
                    .hasMessageContaining("column 2");
        }
    }

    @Nested
    class Pressure {
        @Test
        void readsSomeAvg10() {
            assertThat(CpuPressure.someAvg10("some avg10=7.08 avg60=3.20 avg300=4.85 total=36827215\n"
                    + "full avg10=1.00 avg60=0.00 avg300=0.00 total=0\n")).isEqualTo(7.08);
        }

        @Test
        void refusesBrokenPressure() {
            assertThatThrownBy(() -> CpuPressure.someAvg10("")).hasMessageContaining("no 'some' line");
            assertThatThrownBy(() -> CpuPressure.someAvg10("some avg60=1.0\n")).hasMessageContaining("no avg10");
            assertThatThrownBy(() -> CpuPressure.someAvg10("some avg10=120.00\n")).hasMessageContaining("percentage");
        }
    }

    @Nested
    class ProcessStat {
        @Test
        void addsUtimeAndStimeAfterACommandNameWithSpacesAndParentheses() {
            // comm "(a) b)" holds ") " — fields must be counted from the last ')'. utime 1234 + stime 66 = 1300
            String stat = "42 ((a) b)) S 1 42 42 0 -1 4194304 99 0 0 0 1234 66 0 0 20 0 1 0 56234 3133440 380";
            assertThat(ProcessCpuTicks.parse(stat)).isEqualTo(1300);
        }

        @Test
        void refusesATruncatedLine() {
            assertThatThrownBy(() -> ProcessCpuTicks.parse("42 (kvm) S 1 2 3")).hasMessageContaining("need 15");
            assertThatThrownBy(() -> ProcessCpuTicks.parse("no comm here")).hasMessageContaining("(comm)");
        }
    }

    @Nested
    class Schedstat {
        @Test
        void secondFieldIsTheRunQueueWait() {
            assertThat(ThreadSchedstat.waitNanos("179096 2156003 2\n")).isEqualTo(2156003);
        }

        @Test
        void refusesBrokenSchedstat() {
            assertThatThrownBy(() -> ThreadSchedstat.waitNanos("179096")).hasMessageContaining("expected");
            assertThatThrownBy(() -> ThreadSchedstat.waitNanos("1 x 2")).hasMessageContaining("not a count");
        }
    }

    @Nested
    class VcpuThreadNames {
        @Test
        void onlyCpuNumberSlashKvmIsAVcpu() {
            assertThat(HostSampler.isVcpuThreadName("CPU 0/KVM")).isTrue();
            assertThat(HostSampler.isVcpuThreadName("CPU 127/KVM")).isTrue();
            assertThat(HostSampler.isVcpuThreadName("CPU /KVM")).isFalse();
            assertThat(HostSampler.isVcpuThreadName("CPU x/KVM")).isFalse();
            assertThat(HostSampler.isVcpuThreadName("IO mon_iothread")).isFalse();
            assertThat(HostSampler.isVcpuThreadName("qemu-system-x86")).isFalse();
        }
    }

    @Nested
    class CommandLines {
        private QemuCommandLine of(String... argv) {
            return new QemuCommandLine(List.of(argv));
        }

        @Test
        void splitsTheNulSeparatedCommandLine() {
            assertThat(QemuCommandLine.parse("/usr/bin/kvm\0-id\0" + "104\0").argv())
                    .containsExactly("/usr/bin/kvm", "-id", "104");
        }

        @Test
        void recognisesQemuByItsProgramOnly() {
            assertThat(of("/usr/bin/qemu-system-x86_64").isQemu()).isTrue();
            assertThat(of("/usr/bin/kvm").isQemu()).isTrue();
            assertThat(of("/usr/libexec/qemu-kvm").isQemu()).isTrue();
            assertThat(of("vim", "qemu-system-x86_64.txt").isQemu()).isFalse();
            assertThat(of().isQemu()).isFalse();
        }

        @Test
        void readsTheNameInEachForm() {
            assertThat(of("qemu-system-x86_64", "-name", "guest=macos,debug-threads=on").name()).contains("macos");
            assertThat(of("kvm", "-name", "macos-ci-1,debug-threads=on").name()).contains("macos-ci-1");
            assertThat(of("qemu-system-x86_64", "-name", "a,,b").name()).contains("a,b");
            assertThat(of("qemu-system-x86_64", "--name=plain").name()).contains("plain");
            assertThat(of("qemu-system-x86_64", "-m", "4096").name()).isEmpty();
        }

        @Test
        void readsTheUuidFromUuidOrSmbiosType1() {
            assertThat(of("q", "-uuid", "u-1").uuid()).contains("u-1");
            assertThat(of("q", "-smbios", "type=0,vendor=x", "-smbios", "type=1,uuid=u-2").uuid()).contains("u-2");
            assertThat(of("q", "-smbios", "type=2,uuid=u-3").uuid()).isEmpty();
        }

        @Test
        void readsTheVcpuCountFromSmp() {
            assertThat(of("q", "-smp", "4,sockets=1,cores=4,maxcpus=8").vcpus()).contains(4);
            assertThat(of("q", "-smp", "cpus=6").vcpus()).contains(6);
            // no count: sockets 2 × cores 3 × threads 2 = 12
            assertThat(of("q", "-smp", "sockets=2,cores=3,threads=2").vcpus()).contains(12);
            assertThat(of("q", "-smp", "lots").vcpus()).isEmpty();
            assertThat(of("q").vcpus()).isEmpty();
        }

        @Test
        void readsProxmoxsId() {
            assertThat(of("/usr/bin/kvm", "-id", "104", "-name", "x").proxmoxId()).contains("104");
        }
    }

    @Nested
    class ProxmoxConfig {
        @Test
        void readsTheCurrentConfigurationNotTheSnapshots() {
            PveVmConfig config = PveVmConfig.parse("""
                    #a description: with a colon
                    cores: 4
                    cpuunits: 2048
                    name: mac-1
                    smbios1: uuid=abc-def,manufacturer=QXBwbGU=,base64=1
                    sockets: 2

                    [snap1]
                    cores: 1
                    cpuunits: 100
                    """);
            // vcpus = sockets 2 × cores 4 = 8
            assertThat(config).isEqualTo(new PveVmConfig(java.util.Optional.of("mac-1"), 8,
                    java.util.Optional.of(2048), java.util.Optional.of("abc-def")));
        }

        @Test
        void hotPluggedVcpusWinAndDefaultsAreOne() {
            assertThat(PveVmConfig.parse("cores: 4\nsockets: 2\nvcpus: 5\n").vcpus()).isEqualTo(5);
            assertThat(PveVmConfig.parse("memory: 2048\n").vcpus()).isEqualTo(1);
            assertThat(PveVmConfig.parse("memory: 2048\n").cpuunits()).isEmpty();
        }

        @Test
        void refusesNumbersThatAreNot() {
            assertThatThrownBy(() -> PveVmConfig.parse("cores: four\n")).hasMessageContaining("cores");
            assertThatThrownBy(() -> PveVmConfig.parse("sockets: 0\n")).hasMessageContaining("positive");
        }
    }

    @Nested
    class Cgroups {
        @Test
        void cutsTheCgroupPathAfterTheVmScope() {
            assertThat(VmCgroup.scopeOf("0::/machine.slice/machine-qemu\\x2d1\\x2dmac.scope/libvirt/emulator\n"))
                    .contains("machine.slice/machine-qemu\\x2d1\\x2dmac.scope");
            assertThat(VmCgroup.scopeOf("0::/qemu.slice/104.scope\n")).contains("qemu.slice/104.scope");
            assertThat(VmCgroup.scopeOf("12:cpu,cpuacct:/qemu.slice/104.scope\n")).isEmpty(); // cgroup v1 only
            assertThat(VmCgroup.scopeOf("0::/\n")).isEmpty();
        }
    }
}
