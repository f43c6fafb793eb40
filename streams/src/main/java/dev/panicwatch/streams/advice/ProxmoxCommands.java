package dev.panicwatch.streams.advice;

import java.util.ArrayList;
import java.util.List;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * The host side of the advice (docs/design.md#advice-rules: vti only buys time, the lasting fix is less contention for
 * the VM's vCPUs) as the Proxmox commands that make it, with this VM's figures from its latest load sample:
 * a higher CPU weight ({@code qm set ID --cpuunits N}), fewer vCPUs ({@code --cores}), host CPUs of its own
 * ({@code --affinity}), or moving VMs away.
 */
final class ProxmoxCommands {

    /** The largest cpuunits Proxmox takes on cgroup v2 (Proxmox 7 and later). */
    static final int MAX_CPUUNITS = 10_000;
    /** Proxmox's cpuunits when the VM config sets none, on cgroup v2 (Proxmox 7 and later; 1024 on cgroup v1). */
    static final int DEFAULT_CPUUNITS = 100;

    private ProxmoxCommands() {
    }

    /**
     * One sentence for the rationale.
     *
     * @param vmId   the VM, e.g. {@code pve1/104}: on Proxmox the sampler names a VM {@code <node>/<vmid>}
     * @param latest the VM's latest sample in the window, or null (then the commands carry no figures)
     */
    static String reduceLoad(String vmId, HostLoadSample latest) {
        String id = proxmoxId(vmId);
        List<String> commands = new ArrayList<>();
        if (latest == null) {
            commands.add("qm set " + id + " --cpuunits <higher than the batch VMs'>");
            commands.add("qm set " + id + " --cores <fewer>");
            commands.add("qm set " + id + " --affinity <host CPUs of its own>");
        } else {
            cpuunits(id, latest.getCpuunits(), commands);
            int vcpus = latest.getVmVcpus();
            if (vcpus >= 2) {
                // Halving keeps the power-of-two counts macOS guests are given, and halves what must run at once.
                commands.add("qm set " + id + " --cores " + vcpus / 2 + " (it has " + vcpus + " vCPUs on "
                        + latest.getHostCpus() + " host CPUs: fewer are easier to schedule together; cores x sockets "
                        + "counts)");
            }
            if (vcpus < latest.getHostCpus()) {
                commands.add("qm set " + id + " --affinity 0-" + (vcpus - 1) + " (host CPUs of its own, with the "
                        + "busy VMs pinned to the others)");
            }
        }
        return "The lasting fix is less load on the host. On Proxmox: " + String.join(", ", commands)
                + ", or migrate VMs away (qm migrate <vmid> <node>).";
    }

    private static void cpuunits(String id, Integer sampled, List<String> commands) {
        int now = sampled == null ? DEFAULT_CPUUNITS : sampled;
        String has = sampled == null ? "it has the default, " + DEFAULT_CPUUNITS + " from Proxmox 7 on"
                : "it has " + sampled;
        if (now >= MAX_CPUUNITS) {
            commands.add("lower the other VMs' cpuunits (this one has the highest, " + now + ")");
        } else {
            commands.add("qm set " + id + " --cpuunits " + Math.min(MAX_CPUUNITS, 2 * now) + " (a higher CPU weight "
                    + "than the batch VMs'; " + has + ")");
        }
    }

    /** The vmid of {@code node/vmid}; a VM named otherwise (plain QEMU, a UUID) gets a placeholder. */
    static String proxmoxId(String vmId) {
        String last = vmId.substring(vmId.lastIndexOf('/') + 1);
        return !last.isEmpty() && last.chars().allMatch(c -> c >= '0' && c <= '9') ? last : "<vmid>";
    }
}
