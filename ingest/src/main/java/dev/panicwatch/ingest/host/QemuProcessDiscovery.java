package dev.panicwatch.ingest.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plain QEMU/KVM and libvirt hosts: every process whose program is a QEMU system emulator is a VM, named by its
 * {@code -name} or {@code -uuid} (see {@link VmIdScheme}), sized by {@code -smp}, with the pressure of its cgroup
 * scope where the host has cgroup v2.
 *
 * <p>A process's command line does not change while it lives, so each pid's is read once and remembered until the
 * pid disappears; a round then costs one directory listing of /proc plus reads for new processes only.
 */
final class QemuProcessDiscovery implements VmDiscovery {

    private final HostRoots roots;
    private final ProcFiles files;
    private final VmIdScheme scheme;
    /** Decided once: a host does not change its cgroup layout without a reboot. */
    private final Path unifiedCgroup;

    /** Per live pid: its VM, or empty for a process that is not QEMU (or cannot be named). */
    private final Map<Integer, Optional<VmProcess>> known = new HashMap<>();

    /** @param scheme {@link VmIdScheme#AUTO} means {@link VmIdScheme#NAME}; {@link VmIdScheme#VMID} is refused */
    QemuProcessDiscovery(HostRoots roots, ProcFiles files, VmIdScheme scheme) {
        if (scheme == VmIdScheme.VMID) {
            throw new IllegalArgumentException("--vm-id-from vmid needs Proxmox (a vmid); on a plain QEMU/libvirt host "
                    + "use name or uuid");
        }
        this.roots = roots;
        this.files = files;
        this.scheme = scheme == VmIdScheme.AUTO ? VmIdScheme.NAME : scheme;
        this.unifiedCgroup = roots.unifiedCgroup();
    }

    @Override
    public String describe() {
        return "QEMU processes in " + roots.proc();
    }

    @Override
    public List<VmProcess> discover() {
        List<VmProcess> running = new ArrayList<>();
        Set<Integer> alive = new HashSet<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(roots.proc())) {
            for (Path entry : entries) {
                int pid = pidOf(entry.getFileName().toString());
                if (pid <= 0) {
                    continue;
                }
                alive.add(pid);
                Optional<VmProcess> vm = known.get(pid);
                if (vm == null) {
                    vm = inspect(pid);
                    if (vm == null) {
                        alive.remove(pid); // vanished while we looked; try again if it is still there next round
                        continue;
                    }
                    known.put(pid, vm);
                }
                vm.ifPresent(running::add);
            }
        } catch (IOException e) {
            files.reportOnce("process list", roots.proc(), e);
        }
        known.keySet().retainAll(alive);
        return running;
    }

    private static int pidOf(String name) {
        if (name.isEmpty() || name.length() > 9) {
            return -1;
        }
        int pid = 0;
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            pid = pid * 10 + (c - '0');
        }
        return pid;
    }

    /** The VM in process {@code pid}, empty when it is no VM, null when the process could not be read at all. */
    private Optional<VmProcess> inspect(int pid) {
        Path dir = roots.proc().resolve(Integer.toString(pid));
        String text;
        try {
            text = files.readOrThrow(dir.resolve("cmdline"));
        } catch (IOException | SecurityException e) {
            return null;
        }
        QemuCommandLine cmdline = QemuCommandLine.parse(text);
        if (!cmdline.isQemu()) {
            return Optional.empty();
        }
        Optional<String> uuid = cmdline.uuid();
        Optional<String> vmId = scheme == VmIdScheme.UUID ? uuid : cmdline.name();
        if (vmId.isEmpty()) {
            files.reportMalformed("qemu process " + pid + " identity", dir.resolve("cmdline"),
                    "no -" + (scheme == VmIdScheme.UUID ? "uuid" : "name") + " to name the VM by (--vm-id-from); skipped");
            return Optional.empty();
        }
        Path cgroup = files.read(dir.resolve("cgroup"), "vm " + vmId.get() + " cgroup")
                .flatMap(VmCgroup::scopeOf)
                .map(unifiedCgroup::resolve)
                .orElse(null);
        return Optional.of(new VmProcess(vmId.get(), pid, cmdline.vcpus().orElse(null), null, uuid.orElse(null), cgroup));
    }
}
