package dev.panicwatch.ingest.panic;

/**
 * Who sent a panic report: the VM (docs/design.md#vm-identity: host-qualified Proxmox vmid such as {@code pve1/104}, or the SMBIOS
 * UUID), optionally its host and SMBIOS UUID, and the boot-args the guest read from {@code sysctl kern.bootargs}.
 * Blank optional values count as absent.
 */
public record VmIdentity(String vmId, String hostId, String smbiosUuid, String bootArgs) {

    /** Longer ids are not VM names but someone's mistake (or a pasted report in the wrong header). */
    static final int MAX_ID_LENGTH = 200;

    public VmIdentity {
        vmId = require("vmId", vmId);
        hostId = optional("hostId", hostId);
        smbiosUuid = optional("smbiosUuid", smbiosUuid);
        bootArgs = bootArgs == null || bootArgs.isBlank() ? null : bootArgs.strip();
        if (bootArgs != null && bootArgs.chars().anyMatch(Character::isISOControl)) {
            throw new IllegalArgumentException("bootArgs contains control characters");
        }
    }

    public static VmIdentity of(String vmId) {
        return new VmIdentity(vmId, null, null, null);
    }

    private static String require(String name, String value) {
        String checked = optional(name, value);
        if (checked == null) {
            throw new IllegalArgumentException(name + " is missing: every report must name the VM it came from");
        }
        return checked;
    }

    private static String optional(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        if (v.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(name + " is " + v.length() + " characters long; at most "
                    + MAX_ID_LENGTH + " are allowed");
        }
        if (v.chars().anyMatch(c -> Character.isISOControl(c) || Character.isWhitespace(c))) {
            throw new IllegalArgumentException(name + " '" + v.replaceAll("\\p{Cntrl}", "?")
                    + "' contains spaces or control characters");
        }
        return v;
    }
}
