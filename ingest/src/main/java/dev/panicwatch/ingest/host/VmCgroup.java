package dev.panicwatch.ingest.host;

import java.util.Optional;

/** Where a QEMU process's VM cgroup is, from {@code /proc/<pid>/cgroup}. */
final class VmCgroup {

    private VmCgroup() {
    }

    /**
     * The cgroup v2 path of the VM's scope, relative to the cgroup mount: the {@code 0::} line's path cut after its
     * first {@code .scope} component. libvirt runs the QEMU main thread in
     * {@code machine.slice/machine-qemu\x2d1\x2dNAME.scope/libvirt/emulator} and the vCPUs in sibling
     * {@code .../libvirt/vcpuN}; the pressure that covers the whole VM is the scope's. Empty on cgroup v1 (no
     * {@code 0::} line) or at the root.
     */
    static Optional<String> scopeOf(String procPidCgroup) {
        for (String line : procPidCgroup.split("\n")) {
            if (line.startsWith("0::")) {
                String path = line.substring(3).trim();
                int scope = path.indexOf(".scope/");
                if (scope >= 0) {
                    path = path.substring(0, scope + ".scope".length());
                }
                while (path.startsWith("/")) {
                    path = path.substring(1);
                }
                return path.isEmpty() ? Optional.empty() : Optional.of(path);
            }
        }
        return Optional.empty();
    }
}
