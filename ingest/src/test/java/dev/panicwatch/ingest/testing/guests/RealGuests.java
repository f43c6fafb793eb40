package dev.panicwatch.ingest.testing.guests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import static org.awaitility.Awaitility.await;

import dev.panicwatch.ingest.host.HostRoots;
import dev.panicwatch.testkit.SystemPart;

/**
 * Real KVM guests and load generators for one test, registered with {@code @RegisterExtension}: it starts guests
 * the way Proxmox and libvirt start them, and stops every guest, load and cgroup it handed out after each test,
 * passed or failed (and, should the JVM be told to stop mid-test, from a shutdown hook).
 *
 * <p>Proxmox-style guests get a test root laid out like a Proxmox node ({@code etc/pve/qemu-server/<vmid>.conf},
 * {@code var/run/qemu-server/<vmid>.pid}); {@link #proxmoxRoots()} points the sampler at it with the real
 * {@code /proc}. Debian's QEMU lacks Proxmox's {@code -id} patch, so those guests run without {@code -id}; the
 * sampler accepts a pid file's process that has none.
 */
public final class RealGuests implements BeforeEachCallback, AfterEachCallback {

    private static final Path BASE = Path.of("target", "real-guests").toAbsolutePath();
    private static final AtomicInteger RUNS = new AtomicInteger();
    private static final Deque<AutoCloseable> LIVE = new ArrayDeque<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(RealGuests::closeAll, "real-guests-cleanup"));
    }

    private Path root;
    private GuestImage image;
    private String cgroupName;
    private Path sockets;

    /** Skips (or, under CI's flag, fails) unless KVM, QEMU, a Debian kernel and busybox-static are here. */
    public static void requireParts() {
        SystemPart.KVM.require();
        GuestImage.PARTS.require();
    }

    @Override
    public void beforeEach(ExtensionContext context) throws IOException {
        requireParts();
        int run = RUNS.incrementAndGet();
        root = BASE.resolve(context.getRequiredTestMethod().getName() + "-" + ProcessHandle.current().pid() + "-" + run);
        // A UNIX socket path must be shorter than 108 bytes, which a clone's target/ path need not be.
        sockets = Files.createTempDirectory("pwkvm");
        track(() -> deleteTree(sockets));
        Files.createDirectories(root.resolve("etc/pve/qemu-server"));
        Files.createDirectories(root.resolve("var/run/qemu-server"));
        cgroupName = "panicwatch-kvm-it-" + ProcessHandle.current().pid() + "-" + run;
        image = GuestImage.buildIn(BASE.resolve("image"));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        closeAll();
    }

    private static void closeAll() {
        synchronized (LIVE) {
            while (!LIVE.isEmpty()) {
                try {
                    LIVE.pop().close();
                } catch (Exception e) {
                    System.err.println("[real-guests] cleanup: " + e);
                }
            }
        }
    }

    private static <T extends AutoCloseable> T track(T resource) {
        synchronized (LIVE) {
            LIVE.push(resource);
        }
        return resource;
    }

    /**
     * The sampler's view of this test's Proxmox node: the real /proc, the test's /etc/pve and /run, and as cgroup
     * root the test's own groups ({@link #weigh}; create the sampler after weighing, it reads the layout once).
     */
    public HostRoots proxmoxRoots() {
        return new HostRoots(Path.of("/proc"), root.resolve("etc/pve"), root.resolve("var/run"),
                root.resolve("sys/fs/cgroup"));
    }

    public Path root() {
        return root;
    }

    /**
     * A guest started as Proxmox's qemu-server starts VM {@code vmid}: {@code /usr/bin/kvm} with
     * {@code -name NAME,debug-threads=on}, {@code -pidfile .../qemu-server/<vmid>.pid}, {@code -smbios type=1,uuid=}
     * and {@code -smp N,sockets=1,cores=N,maxcpus=N}, after its {@code <vmid>.conf} is written.
     *
     * @param cpuunits  the configuration's {@code cpuunits:}, or null to leave it out
     * @param busyVcpus vCPUs /init keeps busy; 0 starts the guest paused (every vCPU thread idle)
     */
    public KvmGuest startProxmox(int vmid, String name, int vcpus, Integer cpuunits, int busyVcpus) {
        String uuid = UUID.randomUUID().toString();
        Path dir = guestDir(Integer.toString(vmid));
        String conf = "boot: order=net0\ncores: " + vcpus + "\n" + (cpuunits == null ? "" : "cpuunits: " + cpuunits + "\n")
                + "memory: 128\nname: " + name + "\nostype: other\nsmbios1: uuid=" + uuid + "\nsockets: 1\n";
        try {
            Files.writeString(root.resolve("etc/pve/qemu-server/" + vmid + ".conf"), conf);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> argv = new ArrayList<>(List.of("/usr/bin/kvm",
                "-name", name + ",debug-threads=on",
                "-pidfile", pidFile(vmid).toString(),
                "-smbios", "type=1,uuid=" + uuid,
                "-smp", vcpus + ",sockets=1,cores=" + vcpus + ",maxcpus=" + vcpus));
        argv.addAll(KvmGuest.commonOptions(image, dir, busyVcpus));
        KvmGuest guest = start(argv, name, Integer.toString(vmid), uuid, vcpus, dir, busyVcpus);
        await("pid file of VM " + vmid).atMost(Duration.ofSeconds(30)).until(() -> Files.exists(pidFile(vmid)));
        return guest;
    }

    /**
     * A guest started as libvirt starts a domain: {@code qemu-system-x86_64 -name guest=NAME,debug-threads=on},
     * {@code -uuid}, {@code -smp N,sockets=1,dies=1,cores=N,threads=1}.
     */
    public KvmGuest startLibvirt(String name, int vcpus, int busyVcpus) {
        String uuid = UUID.randomUUID().toString();
        Path dir = guestDir(name);
        List<String> argv = new ArrayList<>(List.of("/usr/bin/qemu-system-x86_64",
                "-name", "guest=" + name + ",debug-threads=on",
                "-uuid", uuid,
                "-smp", vcpus + ",sockets=1,dies=1,cores=" + vcpus + ",threads=1",
                "-no-user-config"));
        argv.addAll(KvmGuest.commonOptions(image, dir, busyVcpus));
        return start(argv, name, null, uuid, vcpus, dir, busyVcpus);
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    public Path pidFile(int vmid) {
        return root.resolve("var/run/qemu-server/" + vmid + ".pid");
    }

    /** {@code count} busy host threads pinned to CPU {@code cpu} (negative: unpinned), stopped after the test. */
    public BusyLoad busyThreads(int count, int cpu) {
        return track(BusyLoad.start(count, cpu));
    }

    /** Puts {@code guest} in a Proxmox-style cgroup with the CPU weight of {@code cpuunits}, undone after the test. */
    public CpuWeightGroup weigh(KvmGuest guest, int cpuunits) {
        CpuWeightGroup group = track(CpuWeightGroup.forGuest(cgroupName, guest, cpuunits));
        // Lay the test's cgroup root out as the host's is: the v2 group itself, or on a hybrid host a tmpfs-like
        // directory whose "unified" is the test's group in the unified hierarchy.
        Path cgroupRoot = root.resolve("sys/fs/cgroup");
        Path unified = CpuWeightGroup.unifiedTestGroup(cgroupName);
        try {
            if (unified != null && !Files.exists(cgroupRoot, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createDirectories(cgroupRoot.getParent());
                if (CpuWeightGroup.isHybrid()) {
                    Files.createDirectories(cgroupRoot);
                    Files.createSymbolicLink(cgroupRoot.resolve("unified"), unified);
                } else {
                    Files.createSymbolicLink(cgroupRoot, unified);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return group;
    }

    private Path guestDir(String id) {
        try {
            return Files.createDirectories(root.resolve("guests").resolve(id));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private KvmGuest start(List<String> argv, String name, String vmid, String uuid, int vcpus, Path dir,
                           int busyVcpus) {
        Path monitor = sockets.resolve(name + ".sock");
        argv.addAll(List.of("-monitor", "unix:" + monitor + ",server=on,wait=off"));
        if (busyVcpus == 0) {
            argv.add("-S"); // vCPUs created but never run until resume()
        }
        Process process;
        try {
            process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("qemu.log").toFile()).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + argv.get(0), e);
        }
        KvmGuest guest = track(new KvmGuest(name, vmid, uuid, vcpus, process, monitor, dir.resolve("console.log")));
        try {
            await("QEMU of " + name + " creates its " + vcpus + " vCPU thread(s)")
                    .atMost(Duration.ofSeconds(60))
                    .failFast(() -> !process.isAlive())
                    .until(() -> guest.vcpuThreads().size() == vcpus && Files.exists(monitor));
        } catch (RuntimeException e) {
            String log = KvmGuest.readQuietly(dir.resolve("qemu.log")).orElse("");
            throw new IllegalStateException("guest " + name + " did not start: " + e.getMessage() + "; QEMU said: "
                    + (log.isEmpty() ? "nothing" : log), e);
        }
        if (busyVcpus > 0) {
            // Past the firmware: SeaBIOS mostly waits on QEMU's emulation, the kernel's setup code onwards keeps the
            // boot vCPU busy (and where the kernel boots, /init keeps the asked-for vCPUs busy).
            await("guest " + name + " past its firmware (console: " + guest.console() + ")")
                    .atMost(Duration.ofSeconds(60))
                    .failFast(() -> !process.isAlive())
                    .until(guest::pastFirmware);
        }
        return guest;
    }
}
