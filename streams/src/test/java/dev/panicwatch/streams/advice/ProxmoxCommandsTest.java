package dev.panicwatch.streams.advice;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.HostLoadSample;

/** The host-side advice as Proxmox commands with the VM's sampled figures. */
class ProxmoxCommandsTest {

    private static HostLoadSample sample(String vm, int hostCpus, int vcpus, Integer cpuunits) {
        return HostLoadSample.newBuilder().setHostId("pve1").setVmId(vm).setSampleTime(Instant.EPOCH)
                .setIntervalMillis(10_000).setHostCpus(hostCpus).setLoad1(110).setLoad5(105).setLoad15(101)
                .setVmVcpus(vcpus).setCpuunits(cpuunits).build();
    }

    @Test
    void theFieldHostsFiguresGiveTheCommandsWithThisVmsNumbers() {
        // 1024 doubled is 2048; 8 vCPUs halved is 4; affinity over as many host CPUs as it has vCPUs now: 0-7.
        assertThat(ProxmoxCommands.reduceLoad("pve1/104", sample("pve1/104", 32, 8, 1024))).isEqualTo(
                "The lasting fix is less load on the host. On Proxmox: qm set 104 --cpuunits 2048 (a higher CPU "
                        + "weight than the batch VMs'; it has 1024), qm set 104 --cores 4 (it has 8 vCPUs on 32 host "
                        + "CPUs: fewer are easier to schedule together; cores x sockets counts), qm set 104 "
                        + "--affinity 0-7 (host CPUs of its own, with the busy VMs pinned to the others), or migrate "
                        + "VMs away (qm migrate <vmid> <node>).");
    }

    @Test
    void withoutSampledCpuunitsTheDefaultIsDoubled() {
        assertThat(ProxmoxCommands.reduceLoad("pve1/104", sample("pve1/104", 32, 8, null)))
                .contains("qm set 104 --cpuunits 200 (a higher CPU weight than the batch VMs'; it has the default, "
                        + "100 from Proxmox 7 on)");
    }

    @Test
    void cpuunitsStopAtTheMaximumAndOneVcpuOrAFullHostDropTheirCommands() {
        assertThat(ProxmoxCommands.reduceLoad("pve1/104", sample("pve1/104", 32, 8, 6000)))
                .contains("--cpuunits 10000 (").doesNotContain("--cpuunits 12000");
        String atMax = ProxmoxCommands.reduceLoad("pve1/104", sample("pve1/104", 32, 8, 10_000));
        assertThat(atMax).contains("lower the other VMs' cpuunits (this one has the highest, 10000)")
                .doesNotContain("--cpuunits");
        // One vCPU cannot be halved; 32 vCPUs on 32 host CPUs leave none to pin it away from the others.
        String single = ProxmoxCommands.reduceLoad("pve1/104", sample("pve1/104", 32, 1, 1024));
        assertThat(single).doesNotContain("--cores").contains("--affinity 0-0 (");
        String wide = ProxmoxCommands.reduceLoad("pve1/104", sample("pve1/104", 32, 32, 1024));
        assertThat(wide).contains("--cores 16 (").doesNotContain("--affinity");
    }

    @Test
    void aVmNotNamedNodeSlashVmidGetsAPlaceholderAndNoSampleNoFigures() {
        assertThat(ProxmoxCommands.proxmoxId("pve1/104")).isEqualTo("104");
        assertThat(ProxmoxCommands.proxmoxId("4C4C4544-0031-3510-8052-B3C04F563132")).isEqualTo("<vmid>");
        assertThat(ProxmoxCommands.proxmoxId("cluster/pve1/")).isEqualTo("<vmid>");
        assertThat(ProxmoxCommands.reduceLoad("macos-ci-1", null)).isEqualTo("The lasting fix is less load on the "
                + "host. On Proxmox: qm set <vmid> --cpuunits <higher than the batch VMs'>, qm set <vmid> --cores "
                + "<fewer>, qm set <vmid> --affinity <host CPUs of its own>, or migrate VMs away (qm migrate <vmid> "
                + "<node>).");
    }
}
