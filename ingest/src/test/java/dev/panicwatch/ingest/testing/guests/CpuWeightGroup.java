package dev.panicwatch.ingest.testing.guests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A CPU cgroup for one guest, laid out as Proxmox lays it out ({@code qemu.slice/<vmid>.scope}) under a parent of
 * the test's own, with the weight Proxmox derives from {@code cpuunits}: {@code cpu.shares} on cgroup v1 (Proxmox 6,
 * and these build machines), {@code cpu.weight} on cgroup v2. On a hybrid host the guest also joins the same path in
 * the controller-less {@code unified} hierarchy, as systemd puts a Proxmox 6 VM's scope there: that is where its
 * {@code cpu.pressure} is. {@link #close()} moves the process back to the root cgroups and removes the directories.
 */
public final class CpuWeightGroup implements AutoCloseable {

    private static final Path V2 = Path.of("/sys/fs/cgroup");
    private static final Path V1_CPU = Path.of("/sys/fs/cgroup/cpu");
    private static final Path HYBRID_UNIFIED = Path.of("/sys/fs/cgroup/unified");

    private final List<Path> mounts = new ArrayList<>();
    private final List<Path> scopes = new ArrayList<>();
    private final long pid;
    private final Path pressureScope;

    private CpuWeightGroup(long pid, Path pressureScope) {
        this.pid = pid;
        this.pressureScope = pressureScope;
    }

    /** Whether this host has a cgroup hierarchy with the cpu controller that root may create groups in. */
    public static boolean available() {
        return Files.isWritable(V1_CPU.resolve("cgroup.procs")) && Files.exists(V1_CPU.resolve("cpu.shares"))
                || isV2WithCpu();
    }

    private static boolean isV2WithCpu() {
        return KvmGuest.readQuietly(V2.resolve("cgroup.subtree_control")).map(c -> c.contains("cpu")).orElse(false);
    }

    /**
     * The cgroup root the sampler is to be pointed at for groups made under {@code testGroup}: the test's v2 group
     * itself on a v2 host; on a hybrid host the test's group in the unified hierarchy, which the caller links as
     * {@code unified} inside a directory of its own (so the sampler sees the hybrid layout); null on pure cgroup v1.
     */
    static Path unifiedTestGroup(String testGroup) {
        if (!Files.exists(V1_CPU.resolve("cpu.shares"))) {
            return V2.resolve(testGroup);
        }
        return Files.exists(HYBRID_UNIFIED.resolve("cgroup.controllers")) ? HYBRID_UNIFIED.resolve(testGroup) : null;
    }

    static boolean isHybrid() {
        return Files.exists(V1_CPU.resolve("cpu.shares")) && Files.exists(HYBRID_UNIFIED.resolve("cgroup.controllers"));
    }

    /** Creates {@code <testGroup>/qemu.slice/<vmid>.scope} with the weight of {@code cpuunits} and moves QEMU in. */
    static CpuWeightGroup forGuest(String testGroup, KvmGuest guest, int cpuunits) {
        boolean v2 = !Files.exists(V1_CPU.resolve("cpu.shares")) && isV2WithCpu();
        Path mount = v2 ? V2 : V1_CPU;
        Path scope = mount.resolve(testGroup).resolve("qemu.slice").resolve(guest.vmid() + ".scope");
        CpuWeightGroup group = new CpuWeightGroup(guest.pid(), v2 ? scope
                : isHybrid() ? HYBRID_UNIFIED.resolve(testGroup).resolve("qemu.slice").resolve(guest.vmid() + ".scope")
                : null);
        try {
            Files.createDirectories(scope);
            group.mounts.add(mount);
            group.scopes.add(scope);
            if (v2) {
                enableCpu(mount.resolve(testGroup));
                enableCpu(scope.getParent());
                Files.writeString(scope.resolve("cpu.weight"), Integer.toString(Math.min(10_000, cpuunits)));
            } else {
                Files.writeString(scope.resolve("cpu.shares"), Integer.toString(cpuunits));
            }
            Files.writeString(scope.resolve("cgroup.procs"), Long.toString(guest.pid()));
            if (!v2 && group.pressureScope != null) {
                Files.createDirectories(group.pressureScope);
                group.mounts.add(HYBRID_UNIFIED);
                group.scopes.add(group.pressureScope);
                Files.writeString(group.pressureScope.resolve("cgroup.procs"), Long.toString(guest.pid()));
            }
            return group;
        } catch (IOException e) {
            group.close();
            throw new UncheckedIOException("cannot set up the cgroup " + scope, e);
        }
    }

    /** The guest's {@code cpu.pressure}, or null where the host keeps none for cgroups (pure v1). */
    public Path pressureFile() {
        return pressureScope == null ? null : pressureScope.resolve("cpu.pressure");
    }

    private static void enableCpu(Path group) throws IOException {
        Files.writeString(group.resolve("cgroup.subtree_control"), "+cpu");
    }

    @Override
    public void close() {
        for (int i = 0; i < scopes.size(); i++) {
            try {
                Files.writeString(mounts.get(i).resolve("cgroup.procs"), Long.toString(pid));
            } catch (IOException e) {
                // the process has exited, which empties the group just as well
            }
            Path scope = scopes.get(i);
            for (Path dir : List.of(scope, scope.getParent(), scope.getParent().getParent())) {
                try {
                    Files.deleteIfExists(dir);
                } catch (IOException e) {
                    // a sibling guest's scope is still in the slice; the last group to close removes it
                }
            }
        }
    }
}
