package dev.panicwatch.ingest.host;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The parts of a Proxmox VM configuration ({@code /etc/pve/qemu-server/<vmid>.conf}) the sampler reports. Only the
 * current configuration counts: it ends where the first {@code [snapshot]} or {@code [PENDING]} section starts.
 *
 * @param name       {@code name:}
 * @param vcpus      vCPUs the VM runs with: {@code vcpus:} when set (hot-plug), else {@code sockets × cores}
 *                   (both default to 1, as in Proxmox)
 * @param cpuunits   {@code cpuunits:} (the VM's CPU weight) when configured
 * @param smbiosUuid the {@code uuid=} of {@code smbios1:}, which the guest sees as its IOPlatformUUID
 */
record PveVmConfig(Optional<String> name, int vcpus, Optional<Integer> cpuunits, Optional<String> smbiosUuid) {

    /** @throws IllegalArgumentException naming the key when a number in the file is not one */
    static PveVmConfig parse(String text) {
        Map<String, String> values = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("[")) {
                break;
            }
            if (line.startsWith("#") || line.isBlank()) {
                continue; // '#' lines are the VM's description
            }
            int colon = line.indexOf(':');
            if (colon > 0) {
                values.putIfAbsent(line.substring(0, colon).trim(), line.substring(colon + 1).trim());
            }
        }
        int sockets = positive(values, "sockets", 1);
        int cores = positive(values, "cores", 1);
        int vcpus = values.containsKey("vcpus") ? positive(values, "vcpus", 1) : sockets * cores;
        Optional<Integer> cpuunits = values.containsKey("cpuunits")
                ? Optional.of(positive(values, "cpuunits", 0)) : Optional.empty();
        Optional<String> uuid = Optional.ofNullable(values.get("smbios1"))
                .map(QemuCommandLine::suboptions)
                .map(o -> o.get("uuid"))
                .filter(s -> !s.isBlank());
        return new PveVmConfig(Optional.ofNullable(values.get("name")).filter(s -> !s.isBlank()), vcpus, cpuunits, uuid);
    }

    private static int positive(Map<String, String> values, String key, int absent) {
        String raw = values.get(key);
        if (raw == null) {
            return absent;
        }
        try {
            int value = Integer.parseInt(raw);
            if (value <= 0) {
                throw new IllegalArgumentException(key + " must be positive, is " + value);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is not a whole number: '" + raw + "'");
        }
    }
}
