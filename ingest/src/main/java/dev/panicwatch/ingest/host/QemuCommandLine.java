package dev.panicwatch.ingest.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A QEMU process's command line ({@code /proc/<pid>/cmdline}, NUL-separated) and the VM facts it carries:
 * {@code -name} (plain, or libvirt's {@code guest=NAME,debug-threads=on}), {@code -uuid} (or {@code -smbios
 * type=1,uuid=...}), {@code -smp} and Proxmox's {@code -id}.
 */
record QemuCommandLine(List<String> argv) {

    QemuCommandLine {
        argv = List.copyOf(argv);
    }

    static QemuCommandLine parse(String cmdline) {
        List<String> argv = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < cmdline.length(); i++) {
            if (cmdline.charAt(i) == '\0') {
                argv.add(cmdline.substring(start, i));
                start = i + 1;
            }
        }
        if (start < cmdline.length()) {
            argv.add(cmdline.substring(start));
        }
        return new QemuCommandLine(argv);
    }

    /**
     * Whether the program is a QEMU system emulator: {@code qemu-system-*}, Debian/Proxmox's {@code kvm} wrapper, or
     * RHEL's {@code qemu-kvm}. Judged by the program only, so "vim qemu-notes.txt" is not a VM.
     */
    boolean isQemu() {
        if (argv.isEmpty()) {
            return false; // kernel threads and zombies have an empty command line
        }
        String program = argv.get(0);
        String base = program.substring(program.lastIndexOf('/') + 1);
        return base.startsWith("qemu-system-") || base.equals("kvm") || base.equals("qemu-kvm");
    }

    /** The VM name: {@code -name foo}, {@code -name foo,process=...} or {@code -name guest=foo,debug-threads=on}. */
    Optional<String> name() {
        return option("name").map(QemuCommandLine::suboptions).map(o -> o.get("guest")).filter(s -> !s.isEmpty());
    }

    /** The SMBIOS system UUID: {@code -uuid}, else the {@code uuid=} of {@code -smbios type=1,...}. */
    Optional<String> uuid() {
        Optional<String> uuid = option("uuid").filter(s -> !s.isBlank());
        if (uuid.isPresent()) {
            return uuid;
        }
        for (String value : options("smbios")) {
            Map<String, String> smbios = suboptions(value);
            if ("1".equals(smbios.get("type")) && smbios.containsKey("uuid")) {
                return Optional.of(smbios.get("uuid"));
            }
        }
        return Optional.empty();
    }

    /** Proxmox's {@code -id <vmid>}. */
    Optional<String> proxmoxId() {
        return option("id");
    }

    /**
     * vCPUs at start-up from {@code -smp}: the leading count ({@code 4,sockets=1,...} or {@code cpus=4}), else the
     * topology product sockets × dies × clusters × cores × threads. Empty without {@code -smp} or when it is unreadable.
     */
    Optional<Integer> vcpus() {
        Optional<String> smp = option("smp");
        if (smp.isEmpty()) {
            return Optional.empty();
        }
        Map<String, String> parts = suboptions(smp.get());
        try {
            // suboptions() files a leading bare value under "guest"; for -smp that is the CPU count.
            String count = parts.containsKey("cpus") ? parts.get("cpus") : parts.get("guest");
            if (count != null) {
                int cpus = Integer.parseInt(count);
                return cpus > 0 ? Optional.of(cpus) : Optional.empty();
            }
            int product = 1;
            boolean any = false;
            for (String key : List.of("sockets", "dies", "clusters", "cores", "threads")) {
                if (parts.containsKey(key)) {
                    product *= Integer.parseInt(parts.get(key));
                    any = true;
                }
            }
            return any && product > 0 ? Optional.of(product) : Optional.empty();
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /** The value after the last {@code -key} (or {@code --key}, or {@code -key=value}); QEMU lets the last one win. */
    private Optional<String> option(String key) {
        List<String> all = options(key);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    private List<String> options(String key) {
        List<String> values = new ArrayList<>();
        for (int i = 1; i < argv.size(); i++) {
            String arg = argv.get(i);
            String bare = arg.startsWith("--") ? arg.substring(2) : arg.startsWith("-") ? arg.substring(1) : null;
            if (bare == null) {
                continue;
            }
            if (bare.equals(key) && i + 1 < argv.size()) {
                values.add(argv.get(++i));
            } else if (bare.startsWith(key + "=")) {
                values.add(bare.substring(key.length() + 1));
            }
        }
        return values;
    }

    /**
     * QEMU's option syntax: comma-separated {@code key=value} pairs, where a doubled comma is a literal comma and a
     * leading value without '=' is the "implied" first key (filed here under {@code guest}, -name's implied key).
     */
    static Map<String, String> suboptions(String value) {
        List<String> parts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',') {
                if (i + 1 < value.length() && value.charAt(i + 1) == ',') {
                    current.append(',');
                    i++;
                } else {
                    parts.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(c);
            }
        }
        parts.add(current.toString());
        Map<String, String> result = new LinkedHashMap<>();
        for (int i = 0; i < parts.size(); i++) {
            String part = parts.get(i);
            int eq = part.indexOf('=');
            if (eq < 0) {
                if (i == 0) {
                    result.put("guest", part);
                }
            } else {
                result.put(part.substring(0, eq), part.substring(eq + 1));
            }
        }
        return result;
    }
}
