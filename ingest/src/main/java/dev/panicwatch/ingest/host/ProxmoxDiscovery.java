package dev.panicwatch.ingest.host;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Proxmox VE: a VM runs when {@code /run/qemu-server/<vmid>.pid} names a live QEMU process started for that vmid;
 * its facts come from {@code /etc/pve/qemu-server/<vmid>.conf}, the VM's cgroup is
 * {@code qemu.slice/<vmid>.scope} in the cgroup v2 hierarchy ({@link HostRoots#unifiedCgroup()}).
 *
 * <p>A pid file outlives a crashed VM, and its pid may later belong to another process, so a pid is accepted only
 * when its command line is QEMU's with {@code -id <vmid>}; the check is done once per pid, not every round. The
 * configuration is re-read only when its modification time changes: /etc/pve is a FUSE file system backed by the
 * cluster database, and 200 reads every 10 s is work for nothing.
 */
final class ProxmoxDiscovery implements VmDiscovery {

    private final HostRoots roots;
    private final ProcFiles files;
    private final VmIdScheme scheme;
    private final String idPrefix;
    /** Decided once: a host does not change its cgroup layout without a reboot. */
    private final Path unifiedCgroup;

    private final Map<String, QemuCommandLine> acceptedByVmid = new HashMap<>();
    private final Map<String, Integer> acceptedPidByVmid = new HashMap<>();
    private final Map<String, CachedConfig> configs = new HashMap<>();

    private record CachedConfig(FileTime modified, PveVmConfig config) {
    }

    /**
     * @param scheme   {@link VmIdScheme#AUTO} means {@link VmIdScheme#VMID}
     * @param idPrefix the host (or cluster) name in {@code <prefix>/<vmid>}
     */
    ProxmoxDiscovery(HostRoots roots, ProcFiles files, VmIdScheme scheme, String idPrefix) {
        this.roots = roots;
        this.files = files;
        this.scheme = scheme == VmIdScheme.AUTO ? VmIdScheme.VMID : scheme;
        this.idPrefix = idPrefix;
        this.unifiedCgroup = roots.unifiedCgroup();
    }

    private Path pidDir() {
        return roots.run().resolve("qemu-server");
    }

    @Override
    public String describe() {
        return "Proxmox pid files in " + pidDir();
    }

    @Override
    public List<VmProcess> discover() {
        List<VmProcess> running = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try (DirectoryStream<Path> pidFiles = Files.newDirectoryStream(pidDir(), "*.pid")) {
            for (Path pidFile : pidFiles) {
                String name = pidFile.getFileName().toString();
                String vmid = name.substring(0, name.length() - ".pid".length());
                if (!vmid.chars().allMatch(Character::isDigit) || vmid.isEmpty()) {
                    continue; // not a VM's pid file (Proxmox keeps .qmp/.vnc sockets there too)
                }
                seen.add(vmid);
                vm(vmid, pidFile).ifPresent(running::add);
            }
        } catch (IOException e) {
            // No such directory: no VM has run since boot.
            files.reportOnce("proxmox pid directory", pidDir(), e);
        }
        acceptedByVmid.keySet().retainAll(seen);
        acceptedPidByVmid.keySet().retainAll(seen);
        configs.keySet().retainAll(seen);
        return running;
    }

    private Optional<VmProcess> vm(String vmid, Path pidFile) {
        String figure = "vm " + vmid + " pid file";
        Optional<String> pidText = files.read(pidFile, figure);
        if (pidText.isEmpty()) {
            return Optional.empty();
        }
        int pid;
        try {
            pid = Integer.parseInt(pidText.get().trim());
        } catch (NumberFormatException e) {
            files.reportMalformed(figure, pidFile, "not a process id: '" + pidText.get().trim() + "'");
            return Optional.empty();
        }
        Optional<QemuCommandLine> cmdline = acceptedCommandLine(vmid, pid);
        if (cmdline.isEmpty()) {
            return Optional.empty();
        }
        Optional<PveVmConfig> config = config(vmid);
        Integer vcpus = config.map(PveVmConfig::vcpus).or(() -> cmdline.get().vcpus()).orElse(null);
        Integer cpuunits = config.flatMap(PveVmConfig::cpuunits).orElse(null);
        String uuid = config.flatMap(PveVmConfig::smbiosUuid).or(() -> cmdline.get().uuid()).orElse(null);
        Optional<String> vmId = switch (scheme) {
            case VMID, AUTO -> Optional.of(idPrefix + "/" + vmid);
            case NAME -> config.flatMap(PveVmConfig::name).or(() -> cmdline.get().name());
            case UUID -> Optional.ofNullable(uuid);
        };
        if (vmId.isEmpty()) {
            files.reportMalformed("vm " + vmid + " identity", roots.pve().resolve("qemu-server/" + vmid + ".conf"),
                    "no " + scheme.name().toLowerCase() + " to name the VM by (--vm-id-from); VM skipped");
            return Optional.empty();
        }
        Path cgroup = unifiedCgroup.resolve("qemu.slice").resolve(vmid + ".scope");
        return Optional.of(new VmProcess(vmId.get(), pid, vcpus, cpuunits, uuid, cgroup));
    }

    private Optional<QemuCommandLine> acceptedCommandLine(String vmid, int pid) {
        Integer acceptedPid = acceptedPidByVmid.get(vmid);
        if (acceptedPid != null && acceptedPid == pid) {
            return Optional.of(acceptedByVmid.get(vmid));
        }
        Path cmdlineFile = roots.proc().resolve(Integer.toString(pid)).resolve("cmdline");
        Optional<String> text = files.read(cmdlineFile, "vm " + vmid + " process " + pid);
        if (text.isEmpty()) {
            return Optional.empty(); // a stale pid file: the VM is not running
        }
        QemuCommandLine cmdline = QemuCommandLine.parse(text.get());
        boolean sameVm = cmdline.proxmoxId().map(vmid::equals).orElse(true);
        if (!cmdline.isQemu() || !sameVm) {
            files.reportMalformed("vm " + vmid + " process " + pid, cmdlineFile,
                    "pid file names a process that is not this VM's QEMU; stale pid file");
            return Optional.empty();
        }
        acceptedPidByVmid.put(vmid, pid);
        acceptedByVmid.put(vmid, cmdline);
        return Optional.of(cmdline);
    }

    private Optional<PveVmConfig> config(String vmid) {
        Path file = roots.pve().resolve("qemu-server").resolve(vmid + ".conf");
        String figure = "vm " + vmid + " config";
        FileTime modified;
        try {
            modified = Files.getLastModifiedTime(file);
        } catch (IOException | SecurityException e) {
            configs.remove(vmid);
            files.reportOnce(figure, file, e);
            return Optional.empty();
        }
        CachedConfig cached = configs.get(vmid);
        if (cached != null && cached.modified().equals(modified)) {
            return Optional.of(cached.config());
        }
        Optional<String> text = files.read(file, figure);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            PveVmConfig config = PveVmConfig.parse(text.get());
            configs.put(vmid, new CachedConfig(modified, config));
            return Optional.of(config);
        } catch (IllegalArgumentException e) {
            files.reportMalformed(figure, file, e.getMessage());
            return Optional.empty();
        }
    }
}
