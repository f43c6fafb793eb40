package dev.panicwatch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.common.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

import dev.panicwatch.ingest.host.HostPlatform;
import dev.panicwatch.ingest.host.HostRoots;
import dev.panicwatch.ingest.host.HostSampler;
import dev.panicwatch.ingest.host.HostSampling;
import dev.panicwatch.ingest.host.JsonLinesSink;
import dev.panicwatch.ingest.host.KafkaSampleSink;
import dev.panicwatch.ingest.host.SampleSink;
import dev.panicwatch.ingest.host.SamplerClock;
import dev.panicwatch.ingest.host.SamplingRound;
import dev.panicwatch.ingest.host.VmIdScheme;
import dev.panicwatch.schemas.Topics;

@Command(name = "host", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Sample this hypervisor host and its VMs every interval and publish one HostLoadSample per running VM to '"
                    + Topics.HOST_LOAD + "' (key: vmId).",
            "Kafka settings come from --bootstrap-servers/--schema-registry-url or KAFKA_* / SCHEMA_REGISTRY_* "
                    + "environment variables (KAFKA_SASL_MECHANISM -> sasl.mechanism, ...).",
            "While Kafka is unreachable, samples wait in a bounded buffer; the oldest are dropped first."})
final class IngestHostCommand implements Callable<Integer> {

    private static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);
    /** With --once, the gap between the baseline read and the reported one when no --interval is given. */
    private static final Duration DEFAULT_ONCE_GAP = Duration.ofSeconds(1);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--proc-root", paramLabel = "DIR", defaultValue = "/proc",
            description = "procfs to read (default: ${DEFAULT-VALUE}); point it at a recorded tree to replay a host.")
    Path procRoot;

    @Option(names = "--pve-root", paramLabel = "DIR", defaultValue = "/etc/pve",
            description = "Proxmox configuration (default: ${DEFAULT-VALUE}); VM configs in qemu-server/<vmid>.conf.")
    Path pveRoot;

    @Option(names = "--run-root", paramLabel = "DIR", defaultValue = "/run",
            description = "Runtime directory (default: ${DEFAULT-VALUE}); Proxmox pid files in qemu-server/<vmid>.pid.")
    Path runRoot;

    @Option(names = "--cgroup-root", paramLabel = "DIR", defaultValue = "/sys/fs/cgroup",
            description = "cgroup v2 mount (default: ${DEFAULT-VALUE}) for the VMs' cpu.pressure.")
    Path cgroupRoot;

    @Option(names = "--platform", paramLabel = "KIND", defaultValue = "auto",
            description = "auto, proxmox or qemu (default: ${DEFAULT-VALUE}: Proxmox when <pve-root>/qemu-server or "
                    + "<run-root>/qemu-server exists, else plain QEMU/libvirt processes).")
    HostPlatform platform;

    @Option(names = "--host-id", paramLabel = "NAME",
            description = "This host's name in the samples (default: <proc-root>/sys/kernel/hostname).")
    String hostId;

    @Option(names = "--vm-id-from", paramLabel = "WHAT", defaultValue = "auto",
            description = "How VMs are named: vmid (<prefix>/<vmid>, Proxmox), name or uuid (SMBIOS); "
                    + "auto = vmid on Proxmox, name elsewhere (default: ${DEFAULT-VALUE}). Must match the panic collector's vmIds.")
    VmIdScheme vmIdFrom;

    @Option(names = "--vm-id-prefix", paramLabel = "NAME",
            description = "The <prefix> of <prefix>/<vmid> (default: the host id). In a Proxmox cluster use the "
                    + "cluster name so that a migrated VM keeps its id.")
    String vmIdPrefix;

    @Option(names = "--interval", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Time between rounds, e.g. 10s, 500ms, 1m (default: 10s like pvestatd; with --once: 1s).")
    Duration interval;

    @Option(names = "--buffer", paramLabel = "SAMPLES", defaultValue = "10000",
            description = "Samples kept while Kafka is unreachable; the oldest are dropped beyond (default: ${DEFAULT-VALUE}).")
    int bufferCapacity;

    @CommandLine.Mixin
    KafkaConnectionOptions kafka;

    @Option(names = "--once", description = "Take one round (two reads --interval apart, so rates are filled), "
            + "deliver it and exit.")
    boolean once;

    @Option(names = "--json", description = "Print samples as JSON lines on standard output instead of publishing "
            + "to Kafka (no Kafka needed).")
    boolean json;

    @Override
    public Integer call() throws Exception {
        Duration gap = interval != null ? interval : once ? DEFAULT_ONCE_GAP : DEFAULT_INTERVAL;
        if (gap.compareTo(Duration.ofMillis(100)) < 0 || gap.compareTo(Duration.ofHours(1)) > 0) {
            throw new ParameterException(spec.commandLine(), "--interval must be between 100ms and 1h, is " + gap);
        }
        if (bufferCapacity < 1) {
            throw new ParameterException(spec.commandLine(), "--buffer must be at least 1 sample, is " + bufferCapacity);
        }
        HostRoots roots = new HostRoots(procRoot, pveRoot, runRoot, cgroupRoot);
        if (!Files.isReadable(procRoot.resolve("loadavg")) || !Files.isReadable(procRoot.resolve("stat"))) {
            throw new ParameterException(spec.commandLine(), "--proc-root " + procRoot
                    + ": no readable loadavg and stat there; is it a procfs tree?");
        }
        String host = hostId != null ? hostId : HostSampler.defaultHostId(roots);
        if (host.isBlank() || host.chars().anyMatch(Character::isWhitespace)) {
            throw new ParameterException(spec.commandLine(), "--host-id must be a name without spaces, is '" + host + "'");
        }
        HostSampler sampler;
        try {
            sampler = HostSampler.create(roots, platform, vmIdFrom, host, vmIdPrefix != null ? vmIdPrefix : host,
                    gap, SamplerClock.system());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        SampleSink sink = json ? new JsonLinesSink(System.out) : kafkaSink();
        try (HostSampling sampling = new HostSampling(sampler, sink, bufferCapacity, gap)) {
            return once ? runOnce(sampling, sampler) : runUntilStopped(sampling, sampler, gap);
        }
    }

    private SampleSink kafkaSink() {
        try {
            return new KafkaSampleSink(kafka.connection());
        } catch (IllegalArgumentException | ConfigException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage() + " (or use --json)");
        }
    }

    private int runOnce(HostSampling sampling, HostSampler sampler) throws InterruptedException {
        HostSampling.OneRound result = sampling.oneRound();
        SamplingRound round = result.round();
        round.hostProblem().ifPresent(p -> System.err.println("panicwatch: " + p));
        if (round.vmsRunning() == 0) {
            System.err.println("panicwatch: no running VMs found on " + sampler.hostId() + " (looked for "
                    + sampler.discoveryDescription() + "); nothing to " + (json ? "print" : "publish"));
        }
        if (!json) {
            System.err.println("panicwatch: " + (result.delivered() ? "published " : "could not publish all of ")
                    + round.samples().size() + " sample(s) of " + sampler.hostId() + " to " + Topics.HOST_LOAD);
        }
        return result.delivered() && round.hostProblem().isEmpty() ? 0 : 1;
    }

    private int runUntilStopped(HostSampling sampling, HostSampler sampler, Duration gap) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        // On Ctrl-C the main thread wakes, closes the sampling (a last short flush) and then lets the JVM end.
        GracefulStop stop = new GracefulStop(stopped::countDown);
        try {
            System.err.println("panicwatch: sampling " + sampler.hostId() + " every " + gap.toMillis() + " ms, "
                    + (json ? "printing JSON lines" : "publishing to " + Topics.HOST_LOAD) + "; Ctrl-C to stop");
            sampling.start();
            stopped.await();
            sampling.close();
            return 0;
        } finally {
            stop.finished();
        }
    }

    /** "10s", "500ms", "2m", "1h", a bare number of seconds, or ISO-8601 ("PT10S"). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        private static final Pattern SHORT = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h)?");

        @Override
        public Duration convert(String value) {
            String text = value.trim();
            Matcher m = SHORT.matcher(text);
            if (m.matches()) {
                double amount = Double.parseDouble(m.group(1));
                String unit = m.group(2) == null ? "s" : m.group(2);
                double millis = switch (unit) {
                    case "ms" -> amount;
                    case "m" -> amount * 60_000;
                    case "h" -> amount * 3_600_000;
                    default -> amount * 1_000;
                };
                return Duration.ofMillis(Math.round(millis));
            }
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw new CommandLine.TypeConversionException("'" + value
                        + "' is not a duration; write e.g. 10s, 500ms, 2m or PT10S");
            }
        }
    }
}
