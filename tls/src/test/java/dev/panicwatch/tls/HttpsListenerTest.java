package dev.panicwatch.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Map;

import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.javalin.Javalin;

import dev.panicwatch.testkit.TestCertificates;

/**
 * Real TLS handshakes between a Javalin server behind {@link HttpsListener} and the JDK client behind
 * {@link ClientTrust}, with certificates made for the test: who is accepted, who is refused and why, and a renewed
 * certificate picked up without a restart.
 */
class HttpsListenerTest {

    private static final Duration CHECK = Duration.ofMillis(200);

    @TempDir
    Path dir;
    private TestCertificates ca;
    private Path caFile;
    private Javalin app;
    private HttpsListener listener;

    @BeforeEach
    void authority() {
        ca = TestCertificates.authority("Panicwatch test CA");
        caFile = ca.writeCertificate(dir.resolve("ca.pem"));
    }

    @AfterEach
    void stop() {
        if (listener != null) {
            listener.close();
        }
        if (app != null) {
            app.stop();
        }
    }

    private int serve(TestCertificates.Issued issued) {
        TlsFiles files = new TlsFiles(issued.certificate(), issued.key());
        app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            listener = HttpsListener.configure(config, "test server", "127.0.0.1", 0, files, CHECK);
        });
        app.get("/hello", ctx -> ctx.result("hello over " + ctx.scheme()));
        app.start();
        listener.startWatching();
        return app.port();
    }

    private static HttpResponse<String> get(ClientTrust trust, String url) throws IOException, InterruptedException {
        HttpClient client = trust.httpClient().connectTimeout(Duration.ofSeconds(5)).build();
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String refusal(ClientTrust trust, String url) {
        IOException failure = null;
        try {
            get(trust, url);
        } catch (IOException e) {
            failure = e;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(failure).as("the request to " + url + " fails").isNotNull();
        return trust.explain(failure, url).orElseThrow(() -> new AssertionError("not explained as TLS", null));
    }

    @Test
    void serverSignedByTheTrustedCaIsAcceptedOverTls12OrLater() throws Exception {
        int port = serve(ca.server(dir, "server", "localhost", "127.0.0.1"));
        ClientTrust trust = ClientTrust.fromCaFile("--ca-file", caFile.toString());

        HttpResponse<String> answer = get(trust, "https://localhost:" + port + "/hello");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo("hello over https");
        assertThat(answer.sslSession()).get().extracting(s -> s.getProtocol()).isIn("TLSv1.2", "TLSv1.3");
        // By IP address too: the certificate names 127.0.0.1.
        assertThat(get(trust, "https://127.0.0.1:" + port + "/hello").statusCode()).isEqualTo(200);
    }

    @Test
    void clientsThatOnlySpeakTls12AreServed() throws Exception {
        int port = serve(ca.server(dir, "server", "localhost"));
        javax.net.ssl.SSLContext context = ClientTrust.fromCaFile("ca", caFile.toString()).sslContext();
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port)) {
            // TLS 1.2 works; offering only 1.2 proves the server does not need 1.3 to talk to older curls.
            socket.setEnabledProtocols(new String[] {"TLSv1.2"});
            socket.startHandshake();
            assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.2");
        }
    }

    @Test
    void certificateFromAnotherCaIsRefusedNamingTheTrustedCas() throws Exception {
        TestCertificates other = TestCertificates.authority("Some other CA");
        int port = serve(other.server(dir, "server", "localhost"));
        ClientTrust trust = ClientTrust.fromCaFile("--ca-file", caFile.toString());

        String why = refusal(trust, "https://localhost:" + port + "/hello");

        assertThat(why).contains("not signed by a CA this client trusts").contains(caFile.toString());
    }

    @Test
    void systemTrustRefusesTheTestCa() throws Exception {
        int port = serve(ca.server(dir, "server", "localhost"));

        String why = refusal(ClientTrust.system(), "https://localhost:" + port + "/hello");

        assertThat(why).contains("not signed by a CA this client trusts").contains("the JVM's trusted CAs");
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        int port = serve(ca.expired(dir, "server", "localhost"));

        String why = refusal(ClientTrust.fromCaFile("--ca-file", caFile.toString()),
                "https://localhost:" + port + "/hello");

        assertThat(why).contains("has expired");
    }

    @Test
    void certificateForAnotherHostIsRefused() throws Exception {
        int port = serve(ca.server(dir, "server", "panicwatch.example.net"));

        String why = refusal(ClientTrust.fromCaFile("--ca-file", caFile.toString()),
                "https://localhost:" + port + "/hello");

        assertThat(why).contains("does not name the host").contains("https://localhost:" + port);
    }

    @Test
    void plainHttpToTheTlsPortGetsNoAnswer() throws Exception {
        int port = serve(ca.server(dir, "server", "localhost"));
        HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        // No plain connector next to the TLS one: a plain request gets no HTTP answer at all.
        assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/hello"))
                .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
    }

    @Test
    void renewedCertificateIsServedWithoutARestart() throws Exception {
        TestCertificates.Issued first = ca.server(dir.resolve("first"), "server", "localhost");
        Path live = Files.createDirectories(dir.resolve("live"));
        Path certificate = Files.copy(first.certificate(), live.resolve("fullchain.pem"));
        Path key = Files.copy(first.key(), live.resolve("privkey.pem"));
        int port = serve(new TestCertificates.Issued(certificate, key, first.serial()));
        String url = "https://localhost:" + port + "/hello";
        assertThat(servedSerial(url)).isEqualTo(first.serial());

        TestCertificates.Issued renewed = ca.server(dir.resolve("renewed"), "server", "localhost");
        Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
        Files.copy(renewed.certificate(), certificate, StandardCopyOption.REPLACE_EXISTING);

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> servedSerial(url).equals(renewed.serial()));
        assertThat(listener.identity().leaf().getSerialNumber()).isEqualTo(renewed.serial());
    }

    @Test
    void halfRenewedPairKeepsThePreviousCertificate() throws Exception {
        TestCertificates.Issued first = ca.server(dir.resolve("first"), "server", "localhost");
        Path live = Files.createDirectories(dir.resolve("live"));
        Path certificate = Files.copy(first.certificate(), live.resolve("fullchain.pem"));
        Path key = Files.copy(first.key(), live.resolve("privkey.pem"));
        int port = serve(new TestCertificates.Issued(certificate, key, first.serial()));
        String url = "https://localhost:" + port + "/hello";

        // The new certificate arrives, its key does not: the pair does not match and must not be loaded.
        TestCertificates.Issued renewed = ca.server(dir.resolve("renewed"), "server", "localhost");
        Files.copy(renewed.certificate(), certificate, StandardCopyOption.REPLACE_EXISTING);
        // The listener sees the change and refuses it; the old certificate is still served.
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> listener.refusedChanges() == 1);
        assertThat(servedSerial(url)).isEqualTo(first.serial());

        // Then the key: now the pair is whole and is loaded.
        Files.copy(renewed.key(), key, StandardCopyOption.REPLACE_EXISTING);
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> servedSerial(url).equals(renewed.serial()));
    }

    @Test
    void unusableFilesStopStartUpNamingTheFile() throws Exception {
        TestCertificates.Issued one = ca.server(dir.resolve("one"), "server", "localhost");
        TestCertificates.Issued two = ca.server(dir.resolve("two"), "server", "localhost");
        assertThatThrownBy(() -> ServerIdentity.read(new TlsFiles(one.certificate(), two.key())))
                .hasMessageContaining(two.key() + " is not the private key of the certificate in " + one.certificate());
        Path garbage = Files.writeString(dir.resolve("garbage.pem"), "not a certificate\n");
        assertThatThrownBy(() -> ServerIdentity.read(new TlsFiles(garbage, one.key())))
                .hasMessageContaining(garbage + " holds no");
        assertThatThrownBy(() -> ServerIdentity.read(new TlsFiles(one.certificate(), garbage)))
                .hasMessageContaining(garbage + " holds no readable unencrypted PEM private key");
        assertThatThrownBy(() -> TlsFiles.of("--tls-cert", one.certificate().toString(), "--tls-key", null))
                .hasMessage("--tls-cert is set but --tls-key is not: HTTPS needs the private key of the certificate too");
        assertThatThrownBy(() -> TlsFiles.of("--tls-cert", dir.resolve("missing.pem").toString(), "--tls-key",
                one.key().toString())).hasMessage("--tls-cert = " + dir.resolve("missing.pem") + ": no such file");
        assertThat(TlsFiles.of("--tls-cert", null, "--tls-key", " ")).isEmpty();
    }

    @Test
    void caFileThatIsNoCertificateIsRefusedNamingTheVariable() throws Exception {
        Path garbage = Files.writeString(dir.resolve("ca.txt"), "hello\n");
        assertThatThrownBy(() -> ClientTrust.fromEnvironment(Map.of(ClientTrust.CA_FILE_ENV, garbage.toString())))
                .hasMessageStartingWith("PANICWATCH_CA_FILE = " + garbage);
        assertThatThrownBy(() -> ClientTrust.fromCaFile("--ca-file", dir.resolve("none.pem").toString()))
                .hasMessageStartingWith("--ca-file = " + dir.resolve("none.pem") + ": cannot read it");
    }

    /** Asks with a fresh TLS context each time: a resumed session would show the certificate it began with. */
    private java.math.BigInteger servedSerial(String url) throws Exception {
        HttpResponse<String> answer = get(ClientTrust.fromCaFile("--ca-file", caFile.toString()), url);
        X509Certificate served = (X509Certificate) answer.sslSession().orElseThrow().getPeerCertificates()[0];
        return served.getSerialNumber();
    }
}
