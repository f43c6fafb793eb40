package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.panic.http.PanicReportIntake;
import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.ingest.testing.guests.KvmGuest;
import dev.panicwatch.ingest.testing.guests.RealGuests;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.app.PanicwatchApp;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.topology.PanicwatchSerdes;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The seed on real parts: two real KVM guests on a host made oversubscribed (their busy vCPUs and busy host threads
 * on one core), the real sampler ({@code ./panicwatch ingest host --once}) publishing what it measures to the local
 * broker, the guest agent script posting a TLB-flush panic for one guest to the real receiver, and the streams app
 * turning them into advice. The expected {@code vti} is worked out here from the samples the sampler published, by
 * the advice rule as docs/design.md#advice-rules states it, not copied from the app's output.
 */
@IntegrationTest
@Timeout(300)
class SeedOnRealGuestsIT {

    private static final Path AGENT = Path.of("").toAbsolutePath().resolve("../deploy/macos/panicwatch-agent.sh")
            .normalize();
    private static final String TOKEN = "seed-on-real-guests";

    @RegisterExtension
    final RealGuests guests = new RealGuests();

    @TempDir
    Path dir;

    @Test
    void aTlbFlushPanicOnAnOversubscribedRealHostIsAdvisedFromTheMeasuredVcpuWait(StackEndpoints stack)
            throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        // Unique ids: the topics are shared with the other integration tests of the run.
        String host = "kvmseed" + UUID.randomUUID().toString().substring(0, 8);
        String panicked = host + "/201";

        KvmGuest mac201 = guests.startProxmox(201, "mac201", 2, null, 1);
        KvmGuest mac202 = guests.startProxmox(202, "mac202", 2, null, 1);
        mac201.pinVcpusTo(0);
        mac202.pinVcpusTo(0);
        guests.busyThreads(3, 0);

        PipelineSettings settings = PipelineSettings.from(Map.of(), Map.of("PANICWATCH_GRACE", "PT5S",
                "PANICWATCH_LOOK_AHEAD", "PT2S", "PANICWATCH_PUNCTUATION_INTERVAL", "PT1S"));
        Map<String, Object> kafka = new HashMap<>(stack.clientConfig());
        kafka.put(StreamsConfig.APPLICATION_ID_CONFIG, "panicwatch-seed-kvm-" + UUID.randomUUID());
        kafka.put(StreamsConfig.STATE_DIR_CONFIG, Files.createDirectories(dir.resolve("streams")).toString());

        try (PanicwatchApp app = PanicwatchApp.start(settings, kafka)) {
            assertThat(app.awaitRunning(Duration.ofSeconds(90))).as("streams app reaches RUNNING").isTrue();

            // Two rounds of the real sampler, each two reads 3 s apart, published to host-load.
            for (int round = 0; round < 2; round++) {
                CliRun run = CliRun.of("ingest", "host", "--once", "--interval", "3s", "--platform", "proxmox",
                        "--pve-root", guests.proxmoxRoots().pve().toString(),
                        "--run-root", guests.proxmoxRoots().run().toString(),
                        "--cgroup-root", guests.proxmoxRoots().cgroup().toString(),
                        "--host-id", host, "--bootstrap-servers", stack.bootstrapServers(),
                        "--schema-registry-url", stack.schemaRegistryUrl()).echo();
                assertThat(run.exitCode()).as(run.err()).isZero();
                assertThat(run.err()).contains("published 2 sample(s) of " + host);
            }

            postPanicWithTheGuestAgent(stack, panicked, host);

            RemediationEvent advice = awaitRemediation(stack, panicked);
            List<HostLoadSample> measured = publishedSamples(stack, panicked);
            System.out.println("[real-guests] seed on real parts, samples the sampler published for " + panicked + ":");
            measured.forEach(s -> System.out.printf("[real-guests]   load1 %.2f on %d CPUs, worst vCPU wait %.3f, "
                    + "VM usage %.2f cores%n", s.getLoad1(), s.getHostCpus(), s.getVcpuWaitRatioMax(), s.getVmCpuUsage()));
            System.out.println("[real-guests] the advice:\n" + dev.panicwatch.streams.remediations.RemediationText.readable(advice));

            // The rule worked by hand from what was measured: R = max(load1 / CPUs, 1 / (1 - worst wait)),
            // vti = min(12, 6 + clamp(1 + ceil(log2 R), 1, 4)) for xnu-6153 (macOS 10.15).
            double worstWait = measured.stream().mapToDouble(HostLoadSample::getVcpuWaitRatioMax).max().orElseThrow();
            double peakLoadPerCpu = measured.stream().mapToDouble(s -> s.getLoad1() / s.getHostCpus()).max()
                    .orElseThrow();
            double severity = Math.max(peakLoadPerCpu, 1 / (1 - worstWait));
            int step = Math.max(1, Math.min(4, 1 + (int) Math.ceil(Math.log(severity) / Math.log(2))));
            int expectedVti = Math.min(12, 6 + step);
            System.out.printf("[real-guests] expected from the measurements: worst wait %.3f, peak load/CPU %.2f, "
                    + "R %.2f, vti 6 -> %d%n", worstWait, peakLoadPerCpu, severity, expectedVti);

            // Overloaded by the vCPU wait (past 0.25), whatever the load average did in these few seconds.
            assertThat(worstWait).isGreaterThan(0.25);
            assertThat(advice.getEvidence().getOverloaded()).isTrue();
            assertThat(advice.getEvidence().getSamples()).isEqualTo(measured.size());
            assertThat(advice.getEvidence().getWorstVcpuWaitRatio()).isEqualTo(worstWait);
            assertThat(advice.getActions()).containsExactly(RemediationAction.RAISE_VTI,
                    RemediationAction.DISABLE_TLB_TIMEOUT, RemediationAction.REDUCE_HOST_LOAD);
            assertThat(advice.getSuggestedVti()).isEqualTo(expectedVti);
            assertThat(advice.getSuggestedBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=" + expectedVti);
        }
        assertThat(mac201.isRunning() && mac202.isRunning()).as("both guests ran to the end").isTrue();
    }

    /** The macOS agent script, as GuestAgentIT runs it: stand-ins for sysctl and ioreg, a real receiver behind it. */
    private void postPanicWithTheGuestAgent(StackEndpoints stack, String vmId, String hostId) throws Exception {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        executable(bin.resolve("sysctl"), "#!/bin/sh\n[ \"$1 $2\" = \"-n kern.bootargs\" ] && echo 'keepsyms=1' "
                + "&& exit 0\necho \"fake sysctl: unexpected $*\" >&2; exit 1\n");
        executable(bin.resolve("ioreg"), "#!/bin/sh\ncat <<'OUT'\n+-o Mac  <class IOPlatformExpertDevice>\n    {\n"
                + "      \"IOPlatformUUID\" = \"" + UUID.randomUUID().toString().toUpperCase() + "\"\n    }\nOUT\n");
        Path reports = Files.createDirectories(dir.resolve("DiagnosticReports"));
        // A report without a date: its panic time is the file's time, which the agent sends. Now, right after the
        // sampler's rounds, so every sample lies in the panic's load window (look-ahead 2 s covers the file time's
        // rounding down to whole seconds).
        Path report = reports.resolve("Kernel-seed.panic");
        Files.write(report, SampleReports.tlbFlush((int) (System.nanoTime() & 0xffff), "keepsyms=1"));
        Files.setLastModifiedTime(report, FileTime.from(Instant.now()));

        try (IdempotentPublisher producer = IdempotentPublisher.create(
                KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()));
             PublishedLedger ledger = PublishedLedger.open(dir.resolve("receiver-state"))) {
            PanicReportIntake intake = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(20),
                    new PanicReportFactory(), new PanicReportPublisher(producer, ledger), Clock.systemUTC());
            try (PanicReportReceiver receiver = PanicReportReceiver.start("127.0.0.1", 0, intake)) {
                ProcessBuilder agent = new ProcessBuilder("bash", AGENT.toString());
                Map<String, String> env = agent.environment();
                env.put("PATH", bin + ":" + System.getenv("PATH"));
                env.put("PANICWATCH_CONFIG", dir.resolve("no-such-config").toString());
                env.put("PANICWATCH_URL", "http://127.0.0.1:" + receiver.port());
                env.put("PANICWATCH_ALLOW_HTTP", "1"); // loopback: TLS is GuestAgentTlsIT's subject
                env.put("PANICWATCH_TOKEN", TOKEN);
                env.put("PANICWATCH_VM_ID", vmId);
                env.put("PANICWATCH_HOST_ID", hostId);
                env.put("PANICWATCH_REPORT_DIR", reports.toString());
                env.put("PANICWATCH_STATE_DIR", dir.resolve("agent-state").toString());
                env.put("PANICWATCH_ATTEMPTS", "2");
                env.put("PANICWATCH_RETRY_SECONDS", "1");
                env.put("PANICWATCH_SETTLE_SECONDS", "0");
                env.put("TMPDIR", dir.toString());
                Path err = dir.resolve("agent-stderr.txt");
                Process process = agent.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile())
                        .start();
                assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("agent finished").isTrue();
                assertThat(process.exitValue()).as(Files.readString(err)).isZero();
                assertThat(intake.counters()).containsEntry("published", 1L);
            }
        }
    }

    private static RemediationEvent awaitRemediation(StackEndpoints stack, String vmId) {
        PanicwatchSerdes serdes = PanicwatchSerdes.fromConfig(stack.clientConfig());
        Map<String, Object> config = new HashMap<>(stack.clientConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "seed-kvm-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<RemediationEvent> found = new ArrayList<>();
        try (KafkaConsumer<String, RemediationEvent> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                serdes.remediations().deserializer())) {
            consumer.subscribe(List.of(Topics.REMEDIATIONS));
            await("a remediation for " + vmId).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ZERO).until(() -> {
                consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                    if (vmId.equals(r.key())) {
                        found.add(r.value());
                    }
                });
                return !found.isEmpty();
            });
        }
        return found.get(0);
    }

    private static List<HostLoadSample> publishedSamples(StackEndpoints stack, String vmId) {
        return TopicFixture.readAll(stack.clientConfig(), Topics.HOST_LOAD, HostLoadSample.class).stream()
                .filter(r -> vmId.equals(r.key())).map(ConsumerRecord::value).toList();
    }

    private static void executable(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
