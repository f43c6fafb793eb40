package dev.panicwatch.ingest.host;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A running VM as discovery found it: who it is and where its counters live.
 *
 * @param vmId       the VM's identity on the {@code host-load} topic
 * @param pid        its QEMU process
 * @param vcpus      configured vCPUs; null when neither the configuration nor the command line says (the sampler then
 *                   counts the vCPU threads)
 * @param cpuunits   Proxmox CPU weight; null when not configured or not Proxmox
 * @param smbiosUuid SMBIOS system UUID; null when unknown
 * @param cgroupDir  the VM's cgroup directory (holding {@code cpu.pressure}); null when unknown
 */
record VmProcess(String vmId, int pid, Integer vcpus, Integer cpuunits, String smbiosUuid, Path cgroupDir) {

    VmProcess {
        Objects.requireNonNull(vmId, "vmId");
    }
}
