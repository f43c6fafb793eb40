package dev.panicwatch.ingest.host;

import java.nio.file.Files;

/** Which kind of hypervisor host the sampler runs on, and so how it finds VMs. */
public enum HostPlatform {
    /** Proxmox when its VM directories exist (under the pve or run root), plain QEMU otherwise. */
    AUTO,
    /** Proxmox VE: pid files in /run/qemu-server, configuration in /etc/pve/qemu-server. */
    PROXMOX,
    /** Plain QEMU/KVM or libvirt: QEMU processes found in /proc. */
    QEMU;

    /** This platform, with {@link #AUTO} decided by looking at {@code roots}. */
    public HostPlatform resolve(HostRoots roots) {
        if (this != AUTO) {
            return this;
        }
        boolean proxmox = Files.isDirectory(roots.pve().resolve("qemu-server"))
                || Files.isDirectory(roots.run().resolve("qemu-server"));
        return proxmox ? PROXMOX : QEMU;
    }
}
