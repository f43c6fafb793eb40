package dev.panicwatch.ingest.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * Turns the host's counters into one {@link HostLoadSample} per running VM per round.
 *
 * <p>Rates (host busy share, VM CPU usage, vCPU wait ratio) are deltas between this round and the previous one over
 * the time between them, so the first round carries only the instantaneous figures, and a figure whose counter went
 * backwards (a reset, a restarted VM that kept its vmid) is left empty for one round rather than reported as
 * nonsense. Per VM it remembers the previous counters and which threads are vCPUs: a thread's name is fixed, so
 * only new threads' names are read, which keeps a round over hundreds of VMs cheap.
 *
 * <p>Not thread-safe: one sampling thread owns it.
 */
public final class HostSampler {

    private static final Logger LOG = LoggerFactory.getLogger(HostSampler.class);

    private final HostRoots roots;
    private final ProcFiles files;
    private final VmDiscovery discovery;
    private final SamplerClock clock;
    private final String hostId;
    private final Duration nominalInterval;

    private HostCpuTimes previousCpu;
    private Long previousRoundNanos;
    private final Map<String, VmCounters> counters = new HashMap<>();
    private final Set<String> warned = new HashSet<>();

    HostSampler(HostRoots roots, ProcFiles files, VmDiscovery discovery, SamplerClock clock, String hostId,
                Duration nominalInterval) {
        this.roots = roots;
        this.files = files;
        this.discovery = discovery;
        this.clock = clock;
        this.hostId = hostId;
        this.nominalInterval = nominalInterval;
    }

    /**
     * A sampler for the host under {@code roots}.
     *
     * @param hostId          the host's name in every sample (see {@link #defaultHostId})
     * @param vmIdPrefix      the {@code <prefix>} of Proxmox vmIds {@code <prefix>/<vmid>}; usually the host id
     * @param nominalInterval the planned time between rounds, reported by the first round (later rounds report the
     *                        measured time)
     * @throws IllegalArgumentException when the scheme does not fit the platform (vmid on plain QEMU)
     */
    public static HostSampler create(HostRoots roots, HostPlatform platform, VmIdScheme scheme, String hostId,
                                     String vmIdPrefix, Duration nominalInterval, SamplerClock clock) {
        ProcFiles files = new ProcFiles();
        VmDiscovery discovery = switch (platform.resolve(roots)) {
            case PROXMOX, AUTO -> new ProxmoxDiscovery(roots, files, scheme, vmIdPrefix);
            case QEMU -> new QemuProcessDiscovery(roots, files, scheme);
        };
        return new HostSampler(roots, files, discovery, clock, hostId, nominalInterval);
    }

    /** The kernel's host name from {@code <proc>/sys/kernel/hostname}, else the JVM's idea of it. */
    public static String defaultHostId(HostRoots roots) {
        try {
            String name = Files.readString(roots.proc().resolve("sys/kernel/hostname")).trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (IOException | SecurityException e) {
            // fall through to the resolver
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            throw new UncheckedIOException("cannot tell this host's name; give it with --host-id", e);
        }
    }

    /** Where discovery looks for VMs, for messages. */
    public String discoveryDescription() {
        return discovery.describe();
    }

    public String hostId() {
        return hostId;
    }

    /** Reads the host and its VMs once. Never throws for anything the host's files hold or lack. */
    public SamplingRound sampleRound() {
        Instant sampleTime = clock.wallTime();
        long now = clock.monotonicNanos();
        Long elapsedNanos = previousRoundNanos == null || now <= previousRoundNanos ? null : now - previousRoundNanos;
        previousRoundNanos = now;

        List<VmProcess> vms = new ArrayList<>(discovery.discover());
        vms.sort(Comparator.comparing(VmProcess::vmId)); // stable output order for --json and tests
        Optional<HostFigures> host = readHost();
        if (host.isEmpty()) {
            counters.clear(); // without the host figures nothing is written; deltas restart next round
            return new SamplingRound(List.of(), vms.size(),
                    Optional.of("cannot read the host's load average and CPU times under " + roots.proc()));
        }
        long intervalMillis = elapsedNanos == null ? nominalInterval.toMillis() : Math.round(elapsedNanos / 1e6);

        List<HostLoadSample> samples = new ArrayList<>(vms.size());
        Set<String> present = new HashSet<>();
        if (warned.size() > 10_000) {
            warned.clear(); // VMs come and go for months; the once-only memory must not grow with them
        }
        for (VmProcess vm : vms) {
            if (!present.add(vm.vmId())) {
                // Two QEMUs with one name (or UUID): their counters would be subtracted from each other.
                if (warned.add("duplicate " + vm.vmId())) {
                    LOG.warn("two running VMs are both named '{}' (process {} is the second); only the first is "
                            + "sampled. Use --vm-id-from uuid, or give the VMs distinct names", vm.vmId(), vm.pid());
                }
                continue;
            }
            try {
                sampleVm(vm, host.get(), sampleTime, intervalMillis, elapsedNanos).ifPresent(samples::add);
            } catch (RuntimeException e) {
                // A bug or a file format nobody foresaw must not cost the other VMs their samples.
                counters.remove(vm.vmId());
                if (warned.add(vm.vmId())) {
                    LOG.warn("VM {}: sampling failed; skipping it this round (logged once per VM)", vm.vmId(), e);
                }
            }
        }
        counters.keySet().retainAll(present);
        return new SamplingRound(samples, vms.size(), Optional.empty());
    }

    private record HostFigures(LoadAverage load, HostCpuTimes cpu, Double busy, Double pressure) {
    }

    private Optional<HostFigures> readHost() {
        Path loadFile = roots.proc().resolve("loadavg");
        Path statFile = roots.proc().resolve("stat");
        Optional<LoadAverage> load = files.read(loadFile, "host loadavg").flatMap(t -> parse(t, LoadAverage::parse,
                "host loadavg", loadFile));
        Optional<HostCpuTimes> cpu = files.read(statFile, "host stat").flatMap(t -> parse(t, HostCpuTimes::parse,
                "host stat", statFile));
        if (load.isEmpty() || cpu.isEmpty()) {
            previousCpu = null;
            return Optional.empty();
        }
        Double busy = previousCpu == null ? null : cpu.get().busySince(previousCpu);
        previousCpu = cpu.get();
        Path psiFile = roots.proc().resolve("pressure/cpu");
        Double pressure = files.read(psiFile, "host cpu pressure")
                .flatMap(t -> parse(t, CpuPressure::someAvg10, "host cpu pressure", psiFile)).orElse(null);
        return Optional.of(new HostFigures(load.get(), cpu.get(), busy, pressure));
    }

    /** Per-VM memory between rounds. */
    private static final class VmCounters {
        final int pid;
        Long cpuTicks;
        Map<Integer, Long> vcpuWaitNanos = new HashMap<>();
        /** tid → whether it is a vCPU thread; thread names do not change, so each is read once. */
        final Map<Integer, Boolean> vcpuThreads = new HashMap<>();

        VmCounters(int pid) {
            this.pid = pid;
        }
    }

    private Optional<HostLoadSample> sampleVm(VmProcess vm, HostFigures host, Instant sampleTime, long intervalMillis,
                                              Long elapsedNanos) {
        VmCounters state = counters.get(vm.vmId());
        if (state == null || state.pid != vm.pid()) {
            state = new VmCounters(vm.pid()); // new, or restarted under the same id: no baseline
            counters.put(vm.vmId(), state);
        }
        Path processDir = roots.proc().resolve(Integer.toString(vm.pid()));

        Path statFile = processDir.resolve("stat");
        Long ticks;
        try {
            ticks = parse(files.readOrThrow(statFile), ProcessCpuTicks::parse, "vm " + vm.vmId() + " stat", statFile)
                    .orElse(null);
        } catch (NoSuchFileException e) {
            // The VM stopped between discovery and now: it is not running, so there is nothing to report.
            LOG.debug("VM {} stopped while being sampled (process {} gone)", vm.vmId(), vm.pid());
            counters.remove(vm.vmId());
            return Optional.empty();
        } catch (IOException | SecurityException e) {
            files.reportOnce("vm " + vm.vmId() + " stat", statFile, e);
            ticks = null;
        }
        Double usage = null;
        if (ticks != null && state.cpuTicks != null && elapsedNanos != null && ticks >= state.cpuTicks) {
            usage = (ticks - state.cpuTicks) / (double) ProcessCpuTicks.TICKS_PER_SECOND / (elapsedNanos / 1e9);
        }
        state.cpuTicks = ticks;

        VcpuFigures vcpu = readVcpus(vm, state, processDir, elapsedNanos);

        Double vmPressure = null;
        if (vm.cgroupDir() != null) {
            Path psiFile = vm.cgroupDir().resolve("cpu.pressure");
            String figure = "vm " + vm.vmId() + " cpu pressure";
            vmPressure = files.read(psiFile, figure).flatMap(t -> parse(t, CpuPressure::someAvg10, figure, psiFile))
                    .orElse(null);
        }
        int vcpus = vm.vcpus() != null ? vm.vcpus() : vcpu.threads();

        return Optional.of(HostLoadSample.newBuilder()
                .setHostId(hostId)
                .setVmId(vm.vmId())
                .setSampleTime(sampleTime)
                .setIntervalMillis(intervalMillis)
                .setHostCpus(host.cpu().cpus())
                .setLoad1(host.load().load1())
                .setLoad5(host.load().load5())
                .setLoad15(host.load().load15())
                .setHostCpuBusy(host.busy())
                .setCpuPressureSome10(host.pressure())
                .setVmVcpus(vcpus)
                .setVmCpuUsage(usage)
                .setVmCpuPressureSome10(vmPressure)
                .setVcpuWaitRatioMax(vcpu.waitRatioMax())
                .setCpuunits(vm.cpuunits())
                .setSmbiosUuid(vm.smbiosUuid())
                .build());
    }

    private record VcpuFigures(int threads, Double waitRatioMax) {
    }

    private VcpuFigures readVcpus(VmProcess vm, VmCounters state, Path processDir, Long elapsedNanos) {
        Path taskDir = processDir.resolve("task");
        Map<Integer, Long> waits = new HashMap<>();
        Set<Integer> liveThreads = new HashSet<>();
        int vcpuThreads = 0;
        Double worst = null;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(taskDir)) {
            for (Path task : tasks) {
                int tid;
                try {
                    tid = Integer.parseInt(task.getFileName().toString());
                } catch (NumberFormatException e) {
                    continue;
                }
                liveThreads.add(tid);
                Boolean isVcpu = state.vcpuThreads.get(tid);
                if (isVcpu == null) {
                    Optional<String> comm = files.read(task.resolve("comm"), "vm " + vm.vmId() + " thread names");
                    if (comm.isEmpty()) {
                        continue; // the thread ended; nothing to remember
                    }
                    isVcpu = isVcpuThreadName(comm.get().trim());
                    state.vcpuThreads.put(tid, isVcpu);
                }
                if (!isVcpu) {
                    continue;
                }
                vcpuThreads++;
                Path schedstat = task.resolve("schedstat");
                String figure = "vm " + vm.vmId() + " vcpu schedstat";
                Optional<Long> wait = files.read(schedstat, figure)
                        .flatMap(t -> parse(t, ThreadSchedstat::waitNanos, figure, schedstat));
                if (wait.isEmpty()) {
                    continue;
                }
                waits.put(tid, wait.get());
                Long before = state.vcpuWaitNanos.get(tid);
                if (before != null && elapsedNanos != null && wait.get() >= before) {
                    // Reading the files takes time too, so a vCPU that waited the whole interval can come out a
                    // hair above 1; the figure is a share of the interval, so it is capped there.
                    double ratio = Math.min(1.0, (wait.get() - before) / (double) elapsedNanos);
                    worst = worst == null ? ratio : Math.max(worst, ratio);
                }
            }
        } catch (IOException | SecurityException e) {
            files.reportOnce("vm " + vm.vmId() + " threads", taskDir, e);
        }
        state.vcpuThreads.keySet().retainAll(liveThreads);
        state.vcpuWaitNanos = waits;
        return new VcpuFigures(vcpuThreads, worst);
    }

    /** QEMU names its vCPU threads "CPU n/KVM" (with debug-threads=on, which Proxmox and libvirt both set). */
    static boolean isVcpuThreadName(String comm) {
        if (!comm.startsWith("CPU ") || !comm.endsWith("/KVM") || comm.length() <= "CPU /KVM".length()) {
            return false;
        }
        for (int i = 4; i < comm.length() - 4; i++) {
            if (!Character.isDigit(comm.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private <T> Optional<T> parse(String text, Function<String, T> parser, String figure, Path file) {
        try {
            return Optional.of(parser.apply(text));
        } catch (IllegalArgumentException e) {
            files.reportMalformed(figure, file, e.getMessage());
            return Optional.empty();
        }
    }
}
