package dev.panicwatch.ingest.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.guest.GuestStateIntake;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.panic.http.PanicReportIntake;
import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.RecordingPublisher;
import dev.panicwatch.ingest.testing.GuestAgent;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The macOS guest agent script (deploy/macos/panicwatch-agent.sh) run by bash on Linux against a fake
 * DiagnosticReports folder, with fake {@code sysctl}, {@code ioreg}, {@code sw_vers} and {@code uname} first on the
 * PATH, and the real receiver, broker and registry behind it: reports to panic-reports, guest states to guest-state.
 */
@IntegrationTest
class GuestAgentIT {

    // A quote and a backslash: the agent must escape them in the curl config it writes.
    private static final String TOKEN = "agent\"tok\\en";
    private static final String BOOT_ARGS = "keepsyms=1 tlbto_us=0";

    private final StackEndpoints stack;
    private final String platformUuid = UUID.randomUUID().toString().toUpperCase();
    @TempDir
    Path dir;
    private GuestAgent agent;
    private IdempotentPublisher producer;
    private PublishedLedger ledger;
    private PanicReportIntake intake;
    private GuestStateIntake guestStates;
    private PanicReportReceiver receiver;

    GuestAgentIT(StackEndpoints stack) {
        this.stack = stack;
    }

    @BeforeEach
    void start() throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        producer = IdempotentPublisher.create(KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()));
        ledger = PublishedLedger.open(dir.resolve("receiver-state"));
        intake = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(20), new PanicReportFactory(),
                new PanicReportPublisher(producer, ledger), Clock.systemUTC());
        guestStates = new GuestStateIntake(TOKEN, Duration.ofSeconds(20), producer, Clock.systemUTC());
        receiver = PanicReportReceiver.start("127.0.0.1", 0, intake, guestStates);

        agent = new GuestAgent(dir, BOOT_ARGS, platformUuid);
    }

    @AfterEach
    void stop() throws IOException {
        receiver.close();
        producer.close();
        ledger.close();
    }

    @Test
    void sendsEachNewReportOnceAndRetriesWhatWasNotTaken() throws Exception {
        byte[] legacy = SampleReports.seed("pve1-101-tlb-flush-timeout.panic");
        byte[] ips = ips();
        byte[] later = SampleReports.seed("pve1-102-tlb-flush-timeout.panic");
        report("Kernel-2026-03-02-091437.panic", legacy);
        report("panic-full-2026-03-02-094418.ips", ips);
        report("Kernel-2026-03-02-100000.panic", "Sleep/Wake notes, no panic here\n".getBytes(StandardCharsets.UTF_8));
        report("Safari-2026-03-02-100500.ips", SampleReports.tlbFlush(7, null));

        String url = "http://127.0.0.1:" + receiver.port();
        // Receiver unreachable: nothing is remembered, exit 75 so launchd's next run retries.
        assertThat(runAgent("http://127.0.0.1:1", TOKEN, 1).exitCode()).isEqualTo(75);
        // A receiver whose Kafka is down answers 503: the agent tries each panic report twice (the Retry-After of
        // 30 s capped to its 1 s pause), keeps them, and exits 75. The note without a panic gets 422 at once and is
        // remembered as rejected for good.
        RecordingPublisher downKafka = new RecordingPublisher();
        downKafka.mode(RecordingPublisher.Mode.FAIL);
        PanicReportIntake unavailable = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(5),
                new PanicReportFactory(), new PanicReportPublisher(downKafka, PublishedLedger.inMemory()),
                Clock.systemUTC());
        try (PanicReportReceiver degraded = PanicReportReceiver.start("127.0.0.1", 0, unavailable)) {
            GuestAgent.Run retried = runAgent("http://127.0.0.1:" + degraded.port(), TOKEN, 2);
            assertThat(retried.exitCode()).isEqualTo(75);
            assertThat(retried.stderr()).contains("receiver answered 503");
        }
        // 2 panic reports × 2 tries = 4 answers 503; the note 1 × 422.
        assertThat(unavailable.counters()).containsEntry("unavailable", 4L).containsEntry("rejected", 1L);
        // Wrong token: refused, nothing remembered either.
        GuestAgent.Run refused = runAgent(url, "not-the-token", 1);
        assertThat(refused.exitCode()).isEqualTo(75);
        assertThat(refused.stderr()).contains("refused the token");
        // The two panic reports tried once each (Kernel-*.panic also matching *.panic must not double it); the note
        // is not sent again.
        assertThat(intake.counters()).containsEntry("published", 0L).containsEntry("rejected", 2L);

        GuestAgent.Run delivered = runAgent(url, TOKEN, 1);
        assertThat(delivered.exitCode()).as(delivered.stderr()).isZero();
        // The two panic reports published; the Safari .ips not sent at all: its name matches none of the agent's
        // patterns.
        assertThat(intake.counters()).containsEntry("published", 2L).containsEntry("rejected", 2L)
                .containsEntry("duplicates", 0L);

        // Second run: nothing new, nothing sent (no duplicates, no new rejections).
        assertThat(runAgent(url, TOKEN, 1).exitCode()).isZero();
        assertThat(intake.counters()).containsEntry("published", 2L).containsEntry("rejected", 2L)
                .containsEntry("duplicates", 0L);

        // A new report: only it is sent.
        report("Kernel-2026-03-02-092952.panic", later);
        assertThat(runAgent(url, TOKEN, 1).exitCode()).isZero();
        assertThat(intake.counters()).containsEntry("published", 3L).containsEntry("duplicates", 0L);

        List<PanicReport> published = TopicFixture.readAll(stack.clientConfig(), Topics.PANIC_REPORTS,
                PanicReport.class).stream().map(ConsumerRecord::value)
                .filter(r -> r.getVmId().equals(platformUuid)).toList();
        Map<String, PanicReport> byId = published.stream()
                .collect(Collectors.toMap(PanicReport::getReportId, r -> r));
        assertThat(published).hasSize(3);
        assertThat(byId).containsOnlyKeys(PanicReportFactory.reportId(legacy), PanicReportFactory.reportId(ips),
                PanicReportFactory.reportId(later));
        // Without PANICWATCH_VM_ID the VM id is the IOPlatformUUID, also sent as the SMBIOS UUID.
        assertThat(byId.get(PanicReportFactory.reportId(legacy)).getSmbiosUuid()).isEqualTo(platformUuid);
        // The legacy report names its boot-args; the .ips has none, so sysctl's kern.bootargs fill in.
        assertThat(byId.get(PanicReportFactory.reportId(legacy)).getBootArgs()).isEqualTo("keepsyms=1");
        assertThat(byId.get(PanicReportFactory.reportId(ips)).getBootArgs()).isEqualTo(BOOT_ARGS);

        // Each of the three runs that reached this receiver with the right token reported the guest state (the
        // unreachable one could not, the degraded receiver has no such endpoint, the wrong token was refused).
        List<GuestState> states = TopicFixture.readAll(stack.clientConfig(), Topics.GUEST_STATE, GuestState.class)
                .stream().filter(r -> r.key().equals(platformUuid)).map(ConsumerRecord::value).toList();
        assertThat(states).hasSize(3);
        assertThat(guestStates.counters()).containsEntry("published", 3L).containsEntry("rejected", 1L);
        GuestState last = states.get(2);
        assertThat(last.getSmbiosUuid()).isEqualTo(platformUuid);
        assertThat(last.getBootArgs()).isEqualTo(BOOT_ARGS);
        assertThat(last.getVti()).isEqualTo(6);
        assertThat(last.getTlbtoUs()).isEqualTo(0);
        assertThat(last.getOsVersion()).isEqualTo("10.15.5");
        assertThat(last.getXnuVersion()).isEqualTo("xnu-6153.121.2");
        assertThat(last.getBootTime()).isEqualTo(java.time.Instant.ofEpochSecond(GuestAgent.BOOT_SECONDS));
    }

    /** This receiver speaks plain HTTP: the agent must be allowed to use it. */
    private GuestAgent.Run runAgent(String url, String token, int attempts) throws IOException, InterruptedException {
        return agent.run(url, token, attempts, Map.of("PANICWATCH_ALLOW_HTTP", "1"));
    }

    private void report(String name, byte[] content) throws IOException {
        agent.report(name, content);
    }

    /** A panic-full .ips as macOS 11+ writes it: one-line JSON header, then the body with panicString. */
    private static byte[] ips() {
        return ("{\"bug_type\":\"210\",\"timestamp\":\"2026-03-02 09:44:18.00 +0000\",\"os_version\":\"macOS 11.7.10 (20G1427)\"}\n"
                + "{\n  \"build\" : \"macOS 11.7.10 (20G1427)\",\n  \"product\" : \"iMacPro1,1\",\n"
                + "  \"panicString\" : \"panic(cpu 5 caller 0xffffff801964b1e2): Spinlock acquisition timed out: "
                + "lock=0xffffff803f42c0e8, lock owner thread=0xffffff8041c4a540 @locks_i386.c:541\\n"
                + "Kernel version: Darwin Kernel Version 20.6.0: Thu Jul  6 22:12:47 PDT 2023; "
                + "root:xnu-7195.141.49.702.12~1\\/RELEASE_X86_64\\n\"\n}\n").getBytes(StandardCharsets.UTF_8);
    }
}
