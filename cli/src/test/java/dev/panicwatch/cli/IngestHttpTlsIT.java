package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.testing.GuestAgent;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;
import dev.panicwatch.testkit.TestCertificates;
import dev.panicwatch.tls.ClientTrust;

/**
 * {@code panicwatch ingest http --tls-cert ... --tls-key ...} as its own JVM, as an operator starts it, and the guest
 * agent (bash, curl) with {@code PANICWATCH_CA_FILE}: a report is delivered over TLS; a receiver whose certificate
 * comes from another CA is refused with a message that says so, and the agent keeps that report for later.
 */
@IntegrationTest
class IngestHttpTlsIT {

    private static final String TOKEN = "ingest-tls-token";
    @RegisterExtension
    final ChildProcesses processes = new ChildProcesses();

    @Test
    void theAgentDeliversOverTlsAndRefusesAReceiverFromAnotherCa(StackEndpoints stack, @TempDir Path tmp)
            throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        TestCertificates ca = TestCertificates.authority("Panicwatch CLI test CA");
        Path caFile = ca.writeCertificate(tmp.resolve("ca.pem"));
        TestCertificates.Issued right = ca.server(tmp.resolve("right"), "receiver", "localhost", "127.0.0.1");
        TestCertificates.Issued foreign = TestCertificates.authority("Another CA")
                .server(tmp.resolve("foreign"), "receiver", "localhost", "127.0.0.1");
        String vm = "pve1/" + UUID.randomUUID();
        GuestAgent agent = new GuestAgent(tmp.resolve("guest"), "keepsyms=1", UUID.randomUUID().toString());
        Map<String, String> agentSettings = Map.of("PANICWATCH_CA_FILE", caFile.toString(), "PANICWATCH_VM_ID", vm);

        int port = freePort();
        Path log = receiver(stack, tmp, "receiver", port, right);
        String url = "https://localhost:" + port;
        awaitHealthy(url, caFile);
        byte[] first = SampleReports.seed("pve1-101-tlb-flush-timeout.panic");
        agent.report("Kernel-2026-03-02-091437.panic", first);
        GuestAgent.Run delivered = agent.run(url, TOKEN, 1, agentSettings);
        assertThat(delivered.exitCode()).as(delivered.stderr()).isZero();
        assertThat(Files.readString(log)).contains("panic report receiver: TLS with certificate for [localhost, 127.0.0.1]")
                .contains("Receiving panic reports on https://127.0.0.1:" + port)
                .doesNotContain("serves plain HTTP");

        int foreignPort = freePort();
        receiver(stack, tmp, "foreign-receiver", foreignPort, foreign);
        awaitListening(foreignPort);
        byte[] second = SampleReports.seed("pve1-102-tlb-flush-timeout.panic");
        agent.report("Kernel-2026-03-02-092952.panic", second);
        GuestAgent.Run refused = agent.run("https://localhost:" + foreignPort, TOKEN, 1, agentSettings);
        assertThat(refused.exitCode()).as(refused.stderr()).isEqualTo(75);
        assertThat(refused.stderr()).contains("TLS: refused to send Kernel-2026-03-02-092952.panic")
                .contains("is not signed by the CA in PANICWATCH_CA_FILE (" + caFile + ")")
                .contains("the report is kept for the next run");
        assertThat(agent.sent()).containsExactly(PanicReportFactory.reportId(first));

        // The kept report goes once the agent talks to the right receiver again.
        GuestAgent.Run later = agent.run(url, TOKEN, 1, agentSettings);
        assertThat(later.exitCode()).as(later.stderr()).isZero();
        assertThat(agent.sent()).containsExactly(PanicReportFactory.reportId(first), PanicReportFactory.reportId(second));
        List<String> published = TopicFixture.readAll(stack.clientConfig(), Topics.PANIC_REPORTS, PanicReport.class)
                .stream().map(ConsumerRecord::value).filter(r -> r.getVmId().equals(vm))
                .map(PanicReport::getReportId).toList();
        assertThat(published).containsExactly(PanicReportFactory.reportId(first), PanicReportFactory.reportId(second));
    }

    @Test
    void aCertificateWithoutItsKeyStopsStartUpNamingBothOptions(@TempDir Path tmp) {
        TestCertificates.Issued issued = TestCertificates.authority("CA").server(tmp, "receiver", "localhost");
        CliRun run = CliRun.of("ingest", "http", "--token", TOKEN, "--tls-cert", issued.certificate().toString());
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--tls-cert (or PANICWATCH_INGEST_TLS_CERT) is set but --tls-key (or "
                + "PANICWATCH_INGEST_TLS_KEY) is not");

        TestCertificates.Issued other = TestCertificates.authority("CA 2").server(tmp.resolve("2"), "receiver", "x");
        CliRun mismatched = CliRun.of("ingest", "http", "--token", TOKEN, "--tls-cert",
                issued.certificate().toString(), "--tls-key", other.key().toString());
        assertThat(mismatched.exitCode()).isEqualTo(2);
        assertThat(mismatched.err()).contains(other.key() + " is not the private key of the certificate in "
                + issued.certificate());
    }

    private Path receiver(StackEndpoints stack, Path tmp, String name, int port, TestCertificates.Issued certificate)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m", "-cp", System.getProperty("java.class.path"), Panicwatch.class.getName(),
                "ingest", "http", "--bind", "127.0.0.1", "--port", String.valueOf(port),
                "--tls-cert", certificate.certificate().toString(), "--tls-key", certificate.key().toString(),
                "--state-dir", tmp.resolve(name + "-state").toString()));
        Path log = tmp.resolve(name + ".log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("PANICWATCH_") || k.startsWith("KAFKA_")
                || k.startsWith("SCHEMA_REGISTRY_"));
        builder.environment().putAll(Map.of("PANICWATCH_INGEST_TOKEN", TOKEN,
                "KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers(), "SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl()));
        processes.add(name, builder.start(), log);
        return log;
    }

    private static void awaitHealthy(String url, Path caFile) {
        var http = ClientTrust.fromCaFile("ca", caFile.toString()).httpClient().build();
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> http.send(
                HttpRequest.newBuilder(URI.create(url + "/health")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode() == 200);
    }

    private static void awaitListening(int port) {
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() -> {
            try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
                return true;
            }
        });
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
