package dev.panicwatch.ingest.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.panic.http.PanicReportIntake;
import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.GuestAgent;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;
import dev.panicwatch.testkit.TestCertificates;
import dev.panicwatch.tls.TlsFiles;

/**
 * The guest agent (real bash and curl) against the real receiver over TLS, with a CA and certificates made for the
 * test: the right CA delivers; a certificate from another CA, an expired one and one for another host are refused
 * with a message that says which, and the report is kept and delivered once the receiver is right; plain http:// is
 * refused unless allowed.
 */
@IntegrationTest
class GuestAgentTlsIT {

    private static final String TOKEN = "tls-agent-token";

    private final StackEndpoints stack;
    private final String platformUuid = UUID.randomUUID().toString().toUpperCase();
    @TempDir
    Path dir;
    private TestCertificates ca;
    private Path caFile;
    private GuestAgent agent;
    private IdempotentPublisher producer;
    private PublishedLedger ledger;
    private PanicReportIntake intake;

    GuestAgentTlsIT(StackEndpoints stack) {
        this.stack = stack;
    }

    @BeforeEach
    void start() throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        producer = IdempotentPublisher.create(KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()));
        ledger = PublishedLedger.open(dir.resolve("receiver-state"));
        intake = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(20), new PanicReportFactory(),
                new PanicReportPublisher(producer, ledger), Clock.systemUTC());
        ca = TestCertificates.authority("Panicwatch agent test CA");
        caFile = ca.writeCertificate(dir.resolve("ca.pem"));
        agent = new GuestAgent(dir.resolve("guest"), "keepsyms=1", platformUuid);
    }

    @AfterEach
    void stop() throws IOException {
        producer.close();
        ledger.close();
    }

    private PanicReportReceiver receiver(TestCertificates.Issued certificate) {
        return PanicReportReceiver.start("127.0.0.1", 0, intake,
                Optional.of(new TlsFiles(certificate.certificate(), certificate.key())), Duration.ofSeconds(10));
    }

    private GuestAgent.Run send(String url) throws IOException, InterruptedException {
        return agent.run(url, TOKEN, 1, Map.of("PANICWATCH_CA_FILE", caFile.toString()));
    }

    @Test
    void refusesAReceiverFromAnotherCaKeepsTheReportAndDeliversItOverTlsOnceTheReceiverIsRight() throws Exception {
        byte[] panic = SampleReports.seed("pve1-101-tlb-flush-timeout.panic");
        agent.report("Kernel-2026-03-02-091437.panic", panic);

        TestCertificates other = TestCertificates.authority("Somebody else's CA");
        try (PanicReportReceiver impostor = receiver(other.server(dir.resolve("other"), "receiver", "localhost"))) {
            GuestAgent.Run refused = send("https://localhost:" + impostor.port());
            assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(75);
            assertThat(refused.stderr()).contains("TLS: refused to send Kernel-2026-03-02-091437.panic")
                    .contains("is not signed by the CA in PANICWATCH_CA_FILE (" + caFile + ")")
                    .contains("the report is kept for the next run");
        }
        assertThat(agent.sent()).isEmpty();
        assertThat(intake.counters()).containsEntry("published", 0L);

        try (PanicReportReceiver receiver = receiver(ca.server(dir.resolve("right"), "receiver", "localhost"))) {
            assertThat(receiver.scheme()).isEqualTo("https");
            GuestAgent.Run delivered = send("https://localhost:" + receiver.port());
            assertThat(delivered.exitCode()).as(delivered.stderr()).isZero();
            assertThat(delivered.stderr()).contains("sent Kernel-2026-03-02-091437.panic");
        }
        assertThat(agent.sent()).containsExactly(PanicReportFactory.reportId(panic));
        List<PanicReport> published = TopicFixture.readAll(stack.clientConfig(), Topics.PANIC_REPORTS,
                PanicReport.class).stream().map(ConsumerRecord::value)
                .filter(r -> r.getVmId().equals(platformUuid)).toList();
        assertThat(published).extracting(PanicReport::getReportId).containsExactly(PanicReportFactory.reportId(panic));
    }

    @Test
    void expiredAndWrongHostCertificatesAreRefusedSayingWhy() throws Exception {
        agent.report("Kernel-2026-03-02-091437.panic", SampleReports.seed("pve1-101-tlb-flush-timeout.panic"));
        agent.report("Kernel-2026-03-02-092952.panic", SampleReports.seed("pve1-102-tlb-flush-timeout.panic"));

        try (PanicReportReceiver expired = receiver(ca.expired(dir.resolve("expired"), "receiver", "localhost"))) {
            GuestAgent.Run run = send("https://localhost:" + expired.port());
            assertThat(run.exitCode()).as(run.stderr()).isEqualTo(75);
            assertThat(run.stderr()).contains("the receiver's certificate has expired");
            // Refused once per run, not once per report: the second report is not even tried.
            assertThat(run.stderr().split("TLS: refused to send", -1)).hasSize(2);
            assertThat(run.stderr()).contains("TLS: the other reports wait for the next run as well");
        }
        try (PanicReportReceiver elsewhere = receiver(ca.server(dir.resolve("elsewhere"), "receiver",
                "panicwatch.example.net"))) {
            GuestAgent.Run run = send("https://localhost:" + elsewhere.port());
            assertThat(run.exitCode()).as(run.stderr()).isEqualTo(75);
            assertThat(run.stderr()).contains("the receiver's certificate does not name the host in PANICWATCH_URL");
        }
        // Without a CA file the agent trusts the system's CAs, which did not sign the test CA's certificate.
        try (PanicReportReceiver receiver = receiver(ca.server(dir.resolve("right"), "receiver", "localhost"))) {
            GuestAgent.Run run = agent.run("https://localhost:" + receiver.port(), TOKEN, 1, Map.of());
            assertThat(run.exitCode()).as(run.stderr()).isEqualTo(75);
            assertThat(run.stderr()).contains("is not signed by the system's CAs");
        }
        assertThat(agent.sent()).isEmpty();
        assertThat(intake.counters()).containsEntry("published", 0L);
    }

    @Test
    void plainHttpIsRefusedUnlessAllowed() throws Exception {
        agent.report("Kernel-2026-03-02-091437.panic", SampleReports.seed("pve1-102-tlb-flush-timeout.panic"));
        try (PanicReportReceiver plain = PanicReportReceiver.start("127.0.0.1", 0, intake)) {
            String url = "http://127.0.0.1:" + plain.port();

            GuestAgent.Run refused = agent.run(url, TOKEN, 1, Map.of());
            assertThat(refused.exitCode()).isEqualTo(78);
            assertThat(refused.stderr()).contains("configuration error: PANICWATCH_URL " + url
                    + " is plain http://").contains("PANICWATCH_ALLOW_HTTP=1");
            assertThat(intake.counters()).containsEntry("published", 0L).containsEntry("rejected", 0L);

            GuestAgent.Run allowed = agent.run(url, TOKEN, 1, Map.of("PANICWATCH_ALLOW_HTTP", "1"));
            assertThat(allowed.exitCode()).as(allowed.stderr()).isZero();
            assertThat(intake.counters()).containsEntry("published", 1L);
        }
    }

    @Test
    void unreadableCaFileIsAConfigurationError() throws Exception {
        GuestAgent.Run run = agent.run("https://localhost:1", TOKEN, 1,
                Map.of("PANICWATCH_CA_FILE", dir.resolve("no-such-ca.pem").toString()));
        assertThat(run.exitCode()).isEqualTo(78);
        assertThat(run.stderr()).contains("PANICWATCH_CA_FILE " + dir.resolve("no-such-ca.pem") + " cannot be read");
    }
}
