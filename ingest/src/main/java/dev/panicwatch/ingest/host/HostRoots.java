package dev.panicwatch.ingest.host;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the sampler reads the host from. On a live host these are the kernel's and Proxmox's own trees; in tests and
 * for a recorded host they point into a copy, so every reader takes its paths from here and never from a literal.
 *
 * @param proc   procfs ({@code /proc}): load, CPU times, PSI, processes and their threads
 * @param pve    the Proxmox cluster file system ({@code /etc/pve}): {@code qemu-server/<vmid>.conf}
 * @param run    the runtime directory ({@code /run}): Proxmox's {@code qemu-server/<vmid>.pid}
 * @param cgroup the cgroup mount ({@code /sys/fs/cgroup}): per-VM {@code cpu.pressure}, in the v2 hierarchy that
 *               {@link #unifiedCgroup()} finds there
 */
public record HostRoots(Path proc, Path pve, Path run, Path cgroup) {

    public HostRoots {
        Objects.requireNonNull(proc, "proc");
        Objects.requireNonNull(pve, "pve");
        Objects.requireNonNull(run, "run");
        Objects.requireNonNull(cgroup, "cgroup");
    }

    /**
     * Where the cgroup v2 hierarchy is, which holds the VMs' scopes and their {@code cpu.pressure}: the cgroup root
     * itself on a v2 host, but {@code <cgroup>/unified} on a hybrid host (systemd's hybrid layout: the v1 controllers
     * in {@code /sys/fs/cgroup/<controller>} and a controller-less cgroup2 at {@code /sys/fs/cgroup/unified}, as on
     * Proxmox VE 6 and on hosts booted with {@code systemd.unified_cgroup_hierarchy=0}). There {@code /proc/<pid>/cgroup}'s
     * {@code 0::} path is relative to the unified mount, and the scope with its pressure exists only under it.
     */
    public Path unifiedCgroup() {
        Path unified = cgroup.resolve("unified");
        boolean hybrid = !Files.exists(cgroup.resolve("cgroup.controllers"))
                && Files.exists(unified.resolve("cgroup.controllers"));
        return hybrid ? unified : cgroup;
    }

    /** The live host's trees. */
    public static HostRoots system() {
        return new HostRoots(Path.of("/proc"), Path.of("/etc/pve"), Path.of("/run"), Path.of("/sys/fs/cgroup"));
    }

    /** A recorded host laid out like a root file system: {@code base/proc}, {@code base/etc/pve}, {@code base/run}, {@code base/sys/fs/cgroup}. */
    public static HostRoots under(Path base) {
        return new HostRoots(base.resolve("proc"), base.resolve("etc/pve"), base.resolve("run"),
                base.resolve("sys/fs/cgroup"));
    }
}
