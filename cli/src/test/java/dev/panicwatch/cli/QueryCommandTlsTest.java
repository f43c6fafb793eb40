package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.streams.metrics.PanicwatchMetrics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.query.QueryServer;
import dev.panicwatch.testkit.TestCertificates;
import dev.panicwatch.tls.TlsFiles;

/**
 * {@code panicwatch query} against the real query server over TLS, with a CA made for the test. The server is not
 * attached to Kafka Streams, so a request that gets through TLS and the token is answered "starting" (503): that
 * answer proves the handshake and the token, a TLS refusal never reaches it.
 */
class QueryCommandTlsTest {

    private static final String TOKEN = "query-tls-token";

    @TempDir
    Path dir;

    private QueryServer serve(PanicwatchMetrics metrics, TestCertificates.Issued certificate) {
        QueryApiSettings settings = new QueryApiSettings(0, "localhost", Optional.of(TOKEN))
                .withTls(Optional.of(new TlsFiles(certificate.certificate(), certificate.key())));
        return QueryServer.start(settings, PipelineSettings.defaults(), metrics);
    }

    private static CliRun query(String api, Path caFile, String... more) {
        String[] base = {"query", "panic-rate", "--host", "pve1", "--api", api, "--ca-file", caFile.toString()};
        String[] args = new String[base.length + more.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return CliRun.of(args);
    }

    @Test
    void theRightCaAndTheTokenGetThroughAndTheWrongCaIsRefusedSayingSo() {
        TestCertificates ca = TestCertificates.authority("Query test CA");
        Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
        Path otherCaFile = TestCertificates.authority("Other CA").writeCertificate(dir.resolve("other-ca.pem"));
        try (PanicwatchMetrics metrics = new PanicwatchMetrics();
             QueryServer server = serve(metrics, ca.server(dir, "api", "localhost"))) {
            assertThat(server.url()).startsWith("https://localhost:");

            CliRun through = query(server.url(), caFile, "--token", TOKEN);
            assertThat(through.err().strip()).isEqualTo("panicwatch query: 503: the streams app is starting (retry in 5 s)");

            CliRun noToken = query(server.url(), caFile);
            assertThat(noToken.err()).startsWith("panicwatch query: 401: missing Authorization");

            CliRun wrongCa = query(server.url(), otherCaFile, "--token", TOKEN);
            assertThat(wrongCa.exitCode()).isEqualTo(1);
            assertThat(wrongCa.err().strip()).isEqualTo("panicwatch query: the server's TLS certificate at "
                    + server.url() + " is not signed by a CA this client trusts; trusted are the CAs in "
                    + otherCaFile + " (PANICWATCH_CA_FILE)");

            String plain = server.url().replace("https://", "http://");
            CliRun plainHttp = query(plain, caFile, "--token", TOKEN);
            assertThat(plainHttp.exitCode()).isEqualTo(1);
            assertThat(plainHttp.out()).isEmpty();
        }
    }

    @Test
    void wrongHostIsRefusedAndARenewedCertificateIsPickedUpWithoutARestart() throws Exception {
        TestCertificates ca = TestCertificates.authority("Query test CA");
        Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
        TestCertificates.Issued expired = ca.expired(dir.resolve("expired"), "api", "localhost");
        Path live = Files.createDirectories(dir.resolve("live"));
        Path certificate = Files.copy(expired.certificate(), live.resolve("fullchain.pem"));
        Path key = Files.copy(expired.key(), live.resolve("privkey.pem"));
        try (PanicwatchMetrics metrics = new PanicwatchMetrics();
             QueryServer server = serve(metrics, new TestCertificates.Issued(certificate, key, expired.serial()))) {
            CliRun refused = query(server.url(), caFile, "--token", TOKEN);
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.err().strip()).isEqualTo("panicwatch query: the server's TLS certificate at "
                    + server.url() + " has expired; renew it on the server");

            // Renewed, but for another name first: refused for that reason.
            TestCertificates.Issued elsewhere = ca.server(dir.resolve("elsewhere"), "api", "panicwatch.example.net");
            Files.copy(elsewhere.key(), key, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(elsewhere.certificate(), certificate, StandardCopyOption.REPLACE_EXISTING);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    query(server.url(), caFile, "--token", TOKEN).err().contains("does not name the host of"));

            // Then right: the same running server now gets through.
            TestCertificates.Issued renewed = ca.server(dir.resolve("renewed"), "api", "localhost");
            Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(renewed.certificate(), certificate, StandardCopyOption.REPLACE_EXISTING);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    query(server.url(), caFile, "--token", TOKEN).err().contains("503: the streams app is starting"));
        }
    }

    @Test
    void aCaFileThatIsNoCertificateIsExitCode2NamingTheOption() throws Exception {
        Path garbage = Files.writeString(dir.resolve("ca.txt"), "not a certificate\n");
        CliRun run = query("https://localhost:1", garbage);
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).startsWith("panicwatch query: --ca-file = " + garbage);
    }
}
