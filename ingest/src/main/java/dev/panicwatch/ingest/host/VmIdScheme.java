package dev.panicwatch.ingest.host;

/**
 * How a VM is named on the {@code host-load} topic; it must match the vmId the panic collectors use for the same
 * guest, or the join finds nothing.
 */
public enum VmIdScheme {
    /** {@code <prefix>/<vmid>} on Proxmox, the VM name elsewhere. */
    AUTO,
    /** {@code <prefix>/<vmid>}: the Proxmox vmid, qualified by host (or cluster) so ids are unique fleet-wide. */
    VMID,
    /** The VM name (Proxmox {@code name:}, QEMU {@code -name}). */
    NAME,
    /** The SMBIOS UUID, which the guest itself reports as its IOPlatformUUID. */
    UUID
}
