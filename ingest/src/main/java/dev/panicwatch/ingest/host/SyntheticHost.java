package dev.panicwatch.ingest.host;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes a Proxmox host with many VMs as a tree in the real file formats, for the benchmark: each VM has a pid file,
 * a configuration, a QEMU process with its command line, stat and cgroup pressure, and besides its vCPU threads the
 * handful of other threads a QEMU runs (main loop, RCU, I/O workers, VNC), whose names the sampler must read too.
 */
final class SyntheticHost {

    static final int FIRST_VMID = 1000;
    private static final String[] OTHER_THREADS = {"call_rcu", "worker", "worker", "vnc_worker", "IO iothread0", "kvm-nx-lpage-re"};

    private SyntheticHost() {
    }

    /** Writes the tree under {@code base} (see {@link HostRoots#under}). */
    static void write(Path base, int vms, int vcpus, int hostCpus) throws IOException {
        Path proc = base.resolve("proc");
        write(proc.resolve("sys/kernel/hostname"), "bench-pve\n");
        write(proc.resolve("loadavg"), "180.25 150.10 120.00 200/9000 123456\n");
        StringBuilder stat = new StringBuilder("cpu  4000000 1000 300000 2000000 5000 0 20000 0 3500000 0\n");
        for (int cpu = 0; cpu < hostCpus; cpu++) {
            stat.append("cpu").append(cpu).append(" 62500 15 4687 31250 78 0 312 0 54687 0\n");
        }
        stat.append("intr 912345 0 0 0\nctxt 123456789\nbtime 1764115200\nprocesses 48211\n");
        write(proc.resolve("stat"), stat.toString());
        write(proc.resolve("pressure/cpu"), "some avg10=61.20 avg60=55.00 avg300=50.00 total=912345678\n"
                + "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        for (int i = 0; i < vms; i++) {
            int vmid = FIRST_VMID + i;
            int pid = 100_000 + i * 100;
            write(base.resolve("run/qemu-server/" + vmid + ".pid"), pid + "\n");
            write(base.resolve("etc/pve/qemu-server/" + vmid + ".conf"), "boot: order=virtio0\ncores: " + vcpus
                    + "\ncpuunits: 1024\nmemory: 16384\nname: macos-" + vmid + "\nsmbios1: uuid=00000000-0000-4000-8000-"
                    + String.format("%012d", vmid) + "\nsockets: 1\n");
            write(base.resolve("sys/fs/cgroup/qemu.slice/" + vmid + ".scope/cpu.pressure"),
                    "some avg10=12.50 avg60=10.00 avg300=9.00 total=123456\nfull avg10=3.00 avg60=2.00 avg300=1.00 total=1234\n");
            Path dir = proc.resolve(Integer.toString(pid));
            write(dir.resolve("cmdline"), "/usr/bin/kvm\0-id\0" + vmid + "\0-name\0macos-" + vmid
                    + ",debug-threads=on\0-smp\0" + vcpus + ",sockets=1,cores=" + vcpus + ",maxcpus=" + vcpus + "\0");
            write(dir.resolve("stat"), pid + " (kvm) S 1 " + pid + " " + pid + " 0 -1 138412352 1234567 0 12 0 500000 20000"
                    + " 0 0 20 0 " + (vcpus + OTHER_THREADS.length + 1) + " 0 1234 17179869184 2100000"
                    + " 18446744073709551615 1 1 0 0 0 0 268444224 4096 16963 0 0 0 17 3 0 0 0 0 0 0 0 0 0 0 0 0 0\n");
            int tid = pid;
            thread(dir, tid++, "kvm");
            for (String name : OTHER_THREADS) {
                thread(dir, tid++, name);
            }
            for (int cpu = 0; cpu < vcpus; cpu++) {
                thread(dir, tid++, "CPU " + cpu + "/KVM");
            }
        }
    }

    private static void thread(Path processDir, int tid, String comm) throws IOException {
        Path task = processDir.resolve("task/" + tid);
        write(task.resolve("comm"), comm + "\n");
        write(task.resolve("schedstat"), "412345678901 98765432101 1234567\n");
    }

    private static void write(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.write(file, text.getBytes(StandardCharsets.UTF_8));
    }
}
