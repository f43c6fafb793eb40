package dev.panicwatch.reliability;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import dev.panicwatch.ingest.testing.SampleReports;

/**
 * A generated replay scenario of {@code vms} VMs, one panic each, written as several scenario folders (batches) so
 * the crash test can replay them one after another while it kills the streams app. Three kinds of VM, by index:
 * <ul>
 *   <li>{@code i % 3 == 0} — host {@code <run>-hot}: 32 CPUs at load1 110, TLB-flush panic (the seed's pve1/101
 *       report, {@code Boot args: keepsyms=1}, xnu-6153) → RAISE_VTI to 9. By hand, as in the seed's README:
 *       R = 110 / 32 = 3.44, step = 1 + ceil(log2 3.44) = 3, vti 6 + 3 = 9, boot-args
 *       {@code keepsyms=1 tlbto_us=0 vti=9};</li>
 *   <li>{@code i % 3 == 1} — host {@code <run>-calm}: load1 4 on 32 CPUs (0.125 &lt; 1.0, no vCPU wait, no PSI), the
 *       same TLB-flush report → INVESTIGATE;</li>
 *   <li>{@code i % 3 == 2} — host {@code <run>-hot}, the seed's page-fault report (pve2/202) → NON_TIMEOUT, no
 *       remediation, but counted.</li>
 * </ul>
 * Each VM has samples at panic − 5 min, − 1 min and + 30 s (all inside the default window [−10 min, +1 min]). The
 * panics lie 40 minutes in the past, so every window has closed by the wall clock and each panic is decided
 * {@code PANICWATCH_GRACE} after it reaches the app.
 */
final class CrashScenario {

    static final String TLB_FILE = "panics/tlb-flush.panic";
    static final String TRAP_FILE = "panics/page-fault.panic";
    static final String RAISED_BOOT_ARGS = "keepsyms=1 tlbto_us=0 vti=9";

    enum Kind { OVERLOADED_TLB, CALM_TLB, PAGE_FAULT }

    record Vm(String vmId, String hostId, Kind kind, Instant panicTime) {
    }

    private final String run;
    private final List<Vm> vms = new ArrayList<>();

    CrashScenario(String run, int count, Instant firstPanic) {
        this.run = run;
        for (int i = 0; i < count; i++) {
            Kind kind = Kind.values()[i % 3];
            String host = run + (kind == Kind.CALM_TLB ? "-calm" : "-hot");
            vms.add(new Vm(String.format(Locale.ROOT, "%s/vm-%02d", run, i), host, kind, firstPanic.plusSeconds(20L * i)));
        }
    }

    List<Vm> vms() {
        return vms;
    }

    String hotHost() {
        return run + "-hot";
    }

    String calmHost() {
        return run + "-calm";
    }

    /** VMs whose panic yields one remediation (all but the page faults), by kind. */
    Map<String, Kind> expectedRemediations() {
        Map<String, Kind> expected = new LinkedHashMap<>();
        vms.stream().filter(v -> v.kind() != Kind.PAGE_FAULT).forEach(v -> expected.put(v.vmId(), v.kind()));
        return expected;
    }

    /** Writes the scenario as folders of {@code perBatch} VMs each, in panic-time order. */
    List<Path> writeBatches(Path dir, int perBatch) throws IOException {
        List<Path> folders = new ArrayList<>();
        for (int start = 0; start < vms.size(); start += perBatch) {
            Path folder = dir.resolve("batch-" + folders.size());
            Files.createDirectories(folder.resolve("panics"));
            Files.write(folder.resolve(TLB_FILE), SampleReports.seed("pve1-101-tlb-flush-timeout.panic"));
            Files.write(folder.resolve(TRAP_FILE), SampleReports.seed("pve2-202-page-fault.panic"));
            StringBuilder lines = new StringBuilder();
            for (Vm vm : vms.subList(start, Math.min(vms.size(), start + perBatch))) {
                double load = vm.kind() == Kind.CALM_TLB ? 4.0 : 110.0;
                for (Duration at : List.of(Duration.ofMinutes(-5), Duration.ofMinutes(-1), Duration.ofSeconds(30))) {
                    lines.append(String.format(Locale.ROOT, "{\"type\":\"load\",\"hostId\":\"%s\",\"vmId\":\"%s\",\"sampleTime\":\"%s\","
                                    + "\"intervalMillis\":10000,\"hostCpus\":32,\"load1\":%.1f,\"load5\":%.1f,"
                                    + "\"load15\":%.1f,\"vmVcpus\":8}%n",
                            vm.hostId(), vm.vmId(), vm.panicTime().plus(at), load, load, load));
                }
                lines.append(String.format(Locale.ROOT, "{\"type\":\"panic\",\"vmId\":\"%s\",\"hostId\":\"%s\",\"time\":\"%s\","
                                + "\"file\":\"%s\",\"bootArgs\":\"keepsyms=1\"}%n", vm.vmId(), vm.hostId(), vm.panicTime(),
                        vm.kind() == Kind.PAGE_FAULT ? TRAP_FILE : TLB_FILE));
            }
            Files.writeString(folder.resolve("events.jsonl"), lines);
            folders.add(folder);
        }
        return folders;
    }
}
