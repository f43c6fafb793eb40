package dev.panicwatch.kafka.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;

class RegistrySettingsTest {

    @Test
    void confluentDefaults() {
        RegistrySettings s = RegistrySettings.from(Map.of("schema.registry.url", "http://localhost:8081/"));
        assertThat(s.urls()).extracting(Object::toString).containsExactly("http://localhost:8081");
        assertThat(s.autoRegister()).isTrue();
        assertThat(s.useLatestVersion()).isFalse();
        assertThat(s.basicAuthHeader()).isEmpty();
        assertThat(s.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void userInfoBecomesABasicAuthHeader() {
        RegistrySettings s = RegistrySettings.from(Map.of("schema.registry.url", "http://r:8081",
                "basic.auth.credentials.source", "USER_INFO", "basic.auth.user.info", "ops:s3cret"));
        String expected = "Basic " + Base64.getEncoder().encodeToString("ops:s3cret".getBytes(StandardCharsets.UTF_8));
        assertThat(s.basicAuthHeader()).contains(expected);
    }

    @Test
    void credentialsCanComeFromTheUrlAndAreStrippedFromIt() {
        RegistrySettings s = RegistrySettings.from(Map.of("schema.registry.url", "https://ops:pw@r.example:8443/ccompat",
                "basic.auth.credentials.source", "URL"));
        assertThat(s.urls()).extracting(Object::toString).containsExactly("https://r.example:8443/ccompat");
        assertThat(s.basicAuthHeader()).contains("Basic " + Base64.getEncoder().encodeToString("ops:pw".getBytes()));
    }

    @Test
    void severalUrlsAreKeptInOrder() {
        RegistrySettings s = RegistrySettings.from(Map.of("schema.registry.url", "http://a:1, http://b:2"));
        assertThat(s.urls()).extracting(Object::toString).containsExactly("http://a:1", "http://b:2");
    }

    @Test
    void badSettingsNameTheSetting() {
        assertThatThrownBy(() -> RegistrySettings.from(Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> RegistrySettings.from(Map.of("schema.registry.url", "localhost:8081")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http://");
        assertThatThrownBy(() -> RegistrySettings.from(Map.of("schema.registry.url", "http://r",
                "auto.register.schemas", "yes")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auto.register.schemas");
        assertThatThrownBy(() -> RegistrySettings.from(Map.of("schema.registry.url", "http://r",
                "basic.auth.credentials.source", "USER_INFO")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("basic.auth.user.info");
        assertThatThrownBy(() -> RegistrySettings.from(Map.of("schema.registry.url", "http://r",
                "basic.auth.credentials.source", "SASL_INHERIT")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("basic.auth.credentials.source");
        assertThatThrownBy(() -> RegistrySettings.from(Map.of("schema.registry.url", "http://r",
                "schema.registry.request.timeout.ms", "ten")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("schema.registry.request.timeout.ms");
    }
}
