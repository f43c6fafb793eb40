package dev.panicwatch.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;


class QueryApiSettingsTest {

    @TempDir
    Path dir;

    @Test
    void tlsAndMetricsSettingsComeFromTheEnvironment() throws Exception {
        Path cert = Files.writeString(dir.resolve("fullchain.pem"), "x");
        Path key = Files.writeString(dir.resolve("privkey.pem"), "x");
        QueryApiSettings settings = QueryApiSettings.fromEnvironment(Map.of(
                QueryApiSettings.TLS_CERT_ENV, cert.toString(), QueryApiSettings.TLS_KEY_ENV, key.toString(),
                QueryApiSettings.METRICS_OPEN_ENV, "true"));
        assertThat(settings.scheme()).isEqualTo("https");
        assertThat(settings.tls()).get().satisfies(files -> {
            assertThat(files.certificate()).isEqualTo(cert);
            assertThat(files.privateKey()).isEqualTo(key);
        });
        assertThat(settings.metricsOpen()).isTrue();

        QueryApiSettings plain = QueryApiSettings.fromEnvironment(Map.of());
        assertThat(plain.scheme()).isEqualTo("http");
        assertThat(plain.metricsOpen()).isFalse();
    }

    @Test
    void badTlsSettingsAreRefusedNamingTheVariable() throws Exception {
        Path cert = Files.writeString(dir.resolve("fullchain.pem"), "x");
        assertThatThrownBy(() -> QueryApiSettings.fromEnvironment(Map.of(QueryApiSettings.TLS_CERT_ENV,
                cert.toString()))).isInstanceOf(InvalidSettingException.class)
                .hasMessage("PANICWATCH_API_TLS_CERT is set but PANICWATCH_API_TLS_KEY is not: HTTPS needs the "
                        + "private key of the certificate too");
        assertThatThrownBy(() -> QueryApiSettings.fromEnvironment(Map.of(QueryApiSettings.METRICS_OPEN_ENV, "yes")))
                .isInstanceOf(InvalidSettingException.class)
                .hasMessage("environment variable PANICWATCH_API_METRICS_OPEN = 'yes' is malformed: expected true or false");
        Path notCa = Files.writeString(dir.resolve("ca.pem"), "hello");
        assertThatThrownBy(() -> QueryApiSettings.fromEnvironment(Map.of("PANICWATCH_CA_FILE", notCa.toString())))
                .isInstanceOf(InvalidSettingException.class).hasMessageStartingWith("PANICWATCH_CA_FILE = " + notCa);
    }

    @Test
    void theTokenIsNotPrinted() {
        QueryApiSettings settings = new QueryApiSettings(8080, "localhost", java.util.Optional.of("s3cret"));
        assertThat(settings.toString()).doesNotContain("s3cret").contains("token=set");
    }
}
