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
 * and these build machines), {@code cpu.weight} on cgroup v2. {@link #close()} moves the processes back to the
 * root cgroup and removes the directories.
 */
public final class CpuWeightGroup implements AutoCloseable {

    private static final Path V2 = Path.of("/sys/fs/cgroup");
    private static final Path V1_CPU = Path.of("/sys/fs/cgroup/cpu");

    private final Path mount;
    private final Path parent;
    private final Path scope;
    private final List<Long> members = new ArrayList<>();

    private CpuWeightGroup(Path mount, Path parent, Path scope) {
        this.mount = mount;
        this.parent = parent;
        this.scope = scope;
    }

    /** Whether this host has a cgroup hierarchy with the cpu controller that root may create groups in. */
    public static boolean available() {
        return Files.isWritable(V1_CPU.resolve("cgroup.procs")) && Files.exists(V1_CPU.resolve("cpu.shares"))
                || isV2WithCpu();
    }

    private static boolean isV2WithCpu() {
        return KvmGuest.readQuietly(V2.resolve("cgroup.subtree_control")).map(c -> c.contains("cpu")).orElse(false);
    }

    /** Creates {@code <testGroup>/qemu.slice/<vmid>.scope} with the weight of {@code cpuunits} and moves QEMU in. */
    static CpuWeightGroup forGuest(String testGroup, KvmGuest guest, int cpuunits) {
        boolean v2 = !Files.exists(V1_CPU.resolve("cpu.shares")) && isV2WithCpu();
        Path mount = v2 ? V2 : V1_CPU;
        Path parent = mount.resolve(testGroup);
        Path slice = parent.resolve("qemu.slice");
        Path scope = slice.resolve(guest.vmid() + ".scope");
        try {
            Files.createDirectories(scope);
            if (v2) {
                enableCpu(parent);
                enableCpu(slice);
                Files.writeString(scope.resolve("cpu.weight"), Integer.toString(Math.min(10_000, cpuunits)));
            } else {
                Files.writeString(scope.resolve("cpu.shares"), Integer.toString(cpuunits));
            }
            CpuWeightGroup group = new CpuWeightGroup(mount, parent, scope);
            Files.writeString(scope.resolve("cgroup.procs"), Long.toString(guest.pid()));
            group.members.add(guest.pid());
            return group;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot set up the cgroup " + scope, e);
        }
    }

    private static void enableCpu(Path group) throws IOException {
        Files.writeString(group.resolve("cgroup.subtree_control"), "+cpu");
    }

    public Path scope() {
        return scope;
    }

    @Override
    public void close() {
        for (long pid : members) {
            try {
                Files.writeString(mount.resolve("cgroup.procs"), Long.toString(pid));
            } catch (IOException e) {
                // the process has exited, which empties the group just as well
            }
        }
        for (Path dir : List.of(scope, scope.getParent(), parent)) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                // a sibling guest's scope is still in the slice; the last group to close removes it
            }
        }
    }
}
