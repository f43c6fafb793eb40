package dev.panicwatch.ingest.host;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * The CPU cost of one sampling round on a big Proxmox host: a synthetic tree of {@code vms} VMs with {@code vcpus}
 * vCPU threads each (plus QEMU's other threads) in a temporary directory, sampled repeatedly; CPU time of the
 * sampling thread per round from {@link ThreadMXBean}. The first round is reported apart: it reads every thread's
 * name, command line and configuration, which later rounds remember. The JVM is warmed up on another sampler first.
 *
 * <p>The tree is on an ordinary file system, so this measures the sampler's side (system calls, parsing, the sample
 * records) but not the kernel generating procfs contents on a live host.
 *
 * <p>Run: {@code java -cp 'cli/target/panicwatch-cli.jar:cli/target/lib/*' dev.panicwatch.ingest.host.HostSamplerBenchmark [vms] [vcpus] [rounds]}
 *
 * <p>{@code ... HostSamplerBenchmark live [rounds] [auto|proxmox|qemu]} measures the same on this host's real
 * {@code /proc} (and {@code /etc/pve}, {@code /run}), with whatever VMs run on it: the kernel's cost of generating
 * the procfs files is then included. Rounds are 100 ms apart, so the counters move between them as in real use.
 */
public final class HostSamplerBenchmark {

    /** Figures of one benchmark run; CPU times in milliseconds per round. */
    public record BenchResult(int vms, int vcpus, int rounds, int samplesPerRound, double firstRoundCpuMillis,
                              double cpuMillisMean, double cpuMillisP50, double cpuMillisP95, double cpuMillisMax,
                              double wallMillisMean) {

        /** One line of JSON, for scripts and {@code ./panicwatch bench}. */
        public String toJson() {
            return toJson("host-sampler-round");
        }

        String toJson(String benchmark) {
            return String.format(Locale.ROOT, "{\"benchmark\":\"" + benchmark + "\",\"vms\":%d,\"vcpus\":%d,"
                            + "\"rounds\":%d,\"samplesPerRound\":%d,\"firstRoundCpuMs\":%.2f,\"cpuMsMean\":%.2f,"
                            + "\"cpuMsP50\":%.2f,\"cpuMsP95\":%.2f,\"cpuMsMax\":%.2f,\"wallMsMean\":%.2f}",
                    vms, vcpus, rounds, samplesPerRound, firstRoundCpuMillis, cpuMillisMean, cpuMillisP50,
                    cpuMillisP95, cpuMillisMax, wallMillisMean);
        }
    }

    private HostSamplerBenchmark() {
    }

    /** Measures a fresh sampler's first round and {@code rounds} rounds after it, on a warmed-up JVM; the tree is deleted afterwards. */
    public static BenchResult run(int vms, int vcpus, int rounds) {
        if (vms < 1 || vcpus < 1 || rounds < 1) {
            throw new IllegalArgumentException("vms, vcpus and rounds must be at least 1");
        }
        Path base = null;
        try {
            base = Files.createTempDirectory("panicwatch-host-bench-");
            SyntheticHost.write(base, vms, vcpus, 64);
            // Warm the JVM (class loading, JIT) on a throwaway sampler, so the measured first round shows what a
            // sampler's first look at a host costs, not what a cold JVM costs.
            HostSampler warmUp = newSampler(base);
            for (int i = 0; i <= rounds; i++) {
                warmUp.sampleRound();
            }
            BenchResult result = measure(newSampler(base), vcpus, rounds, 0);
            if (result.samplesPerRound() != vms) {
                throw new IllegalStateException("expected " + vms + " samples per round, got " + result.samplesPerRound());
            }
            return result;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic host tree: " + e.getMessage(), e);
        } finally {
            if (base != null) {
                deleteTree(base);
            }
        }
    }

    /**
     * The cost on this host's real trees, with the VMs that run on it now. {@code vcpus} in the result is the
     * vCPUs of the largest VM found.
     *
     * @throws IllegalStateException when no VM runs here (there would be nothing to measure)
     */
    public static BenchResult runLive(HostRoots roots, HostPlatform platform, int rounds) {
        if (rounds < 1) {
            throw new IllegalArgumentException("rounds must be at least 1");
        }
        HostSampler warmUp = HostSampler.create(roots, platform, VmIdScheme.AUTO, "bench-live", "bench-live",
                Duration.ofSeconds(10), SamplerClock.system());
        SamplingRound probe = warmUp.sampleRound();
        if (probe.vmsRunning() == 0) {
            throw new IllegalStateException("no running VM found (looked for " + warmUp.discoveryDescription()
                    + "); start some first (docs/host-sampler.md, \"Real guests\")");
        }
        int vcpus = probe.samples().stream().mapToInt(s -> s.getVmVcpus()).max().orElse(0);
        for (int i = 0; i < rounds; i++) {
            warmUp.sampleRound();
        }
        return measure(HostSampler.create(roots, platform, VmIdScheme.AUTO, "bench-live", "bench-live",
                Duration.ofSeconds(10), SamplerClock.system()), vcpus, rounds, 100);
    }

    private static BenchResult measure(HostSampler sampler, int vcpus, int rounds, long gapMillis) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        if (!threads.isCurrentThreadCpuTimeSupported()) {
            throw new IllegalStateException("this JVM cannot measure thread CPU time");
        }
        threads.setThreadCpuTimeEnabled(true);
        long firstStart = threads.getCurrentThreadCpuTime();
        int samples = sampler.sampleRound().samples().size();
        double first = (threads.getCurrentThreadCpuTime() - firstStart) / 1e6;
        double[] cpu = new double[rounds];
        double wall = 0;
        for (int i = 0; i < rounds; i++) {
            if (gapMillis > 0) {
                try {
                    Thread.sleep(gapMillis); // let the live counters move, as between real rounds
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            long wallStart = System.nanoTime();
            long cpuStart = threads.getCurrentThreadCpuTime();
            sampler.sampleRound();
            cpu[i] = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e6;
            wall += (System.nanoTime() - wallStart) / 1e6;
        }
        double[] sorted = cpu.clone();
        Arrays.sort(sorted);
        return new BenchResult(samples, vcpus, rounds, samples, first, Arrays.stream(cpu).average().orElse(0),
                percentile(sorted, 0.50), percentile(sorted, 0.95), sorted[sorted.length - 1], wall / rounds);
    }

    private static HostSampler newSampler(Path base) {
        return HostSampler.create(HostRoots.under(base), HostPlatform.PROXMOX, VmIdScheme.VMID, "bench-pve",
                "bench-pve", Duration.ofSeconds(10), SamplerClock.system());
    }

    private static double percentile(double[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private static void deleteTree(Path base) {
        try (Stream<Path> tree = Files.walk(base)) {
            tree.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not delete " + base + ": " + e.getMessage());
        }
    }

    private static HostPlatform platformArgument(String text) {
        try {
            return HostPlatform.valueOf(text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the platform must be auto, proxmox or qemu, is '" + text + "'");
        }
    }

    private static int roundsArgument(String text) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("rounds must be a whole number, is '" + text + "'");
        }
    }

    /**
     * Arguments: [vms=200] [vcpus=8] [rounds=50], or {@code live [rounds=100] [auto|proxmox|qemu]}. Figures to
     * stderr, the JSON summary as the last line on stdout.
     */
    public static void main(String[] args) {
        if (args.length > 0 && args[0].equals("live")) {
            int rounds;
            HostPlatform platform;
            BenchResult r;
            try {
                rounds = args.length > 1 ? roundsArgument(args[1]) : 100;
                platform = args.length > 2 ? platformArgument(args[2]) : HostPlatform.AUTO;
                r = runLive(HostRoots.system(), platform, rounds);
            } catch (IllegalArgumentException | IllegalStateException e) {
                System.err.println("usage: HostSamplerBenchmark live [rounds=100] [auto|proxmox|qemu]: "
                        + e.getMessage());
                System.exit(2);
                return;
            }
            System.err.printf(Locale.ROOT, "host sampler on this host's /proc, %d running VM(s) (largest %d vCPUs), "
                            + "%d rounds: CPU per round mean %.2f ms, p50 %.2f ms, p95 %.2f ms, max %.2f ms "
                            + "(first round %.2f ms); wall mean %.2f ms%n",
                    r.vms(), r.vcpus(), r.rounds(), r.cpuMillisMean(), r.cpuMillisP50(), r.cpuMillisP95(),
                    r.cpuMillisMax(), r.firstRoundCpuMillis(), r.wallMillisMean());
            System.out.println(r.toJson("host-sampler-round-live"));
            return;
        }
        int vms = args.length > 0 ? Integer.parseInt(args[0]) : 200;
        int vcpus = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        BenchResult r = run(vms, vcpus, rounds);
        System.err.printf(Locale.ROOT, "host sampler, %d VMs x %d vCPUs, %d rounds: CPU per round mean %.1f ms, "
                        + "p50 %.1f ms, p95 %.1f ms, max %.1f ms (first round %.1f ms); wall mean %.1f ms%n",
                r.vms(), r.vcpus(), r.rounds(), r.cpuMillisMean(), r.cpuMillisP50(), r.cpuMillisP95(),
                r.cpuMillisMax(), r.firstRoundCpuMillis(), r.wallMillisMean());
        System.out.println(r.toJson());
    }
}
