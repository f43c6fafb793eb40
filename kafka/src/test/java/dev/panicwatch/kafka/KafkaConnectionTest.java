package dev.panicwatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

class KafkaConnectionTest {

    @Test
    void flagsWinOverTheEnvironmentAndOtherKafkaSettingsPassThrough() {
        KafkaConnection connection = KafkaConnection.resolve("broker:9092", null, Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "ignored:1", "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "SCHEMA_REGISTRY_URL", "http://registry:8081", "HOME", "/root"));
        assertThat(connection.clientConfig())
                .containsEntry("bootstrap.servers", "broker:9092")
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("schema.registry.url", "http://registry:8081")
                .doesNotContainKey("home");
    }

    @Test
    void missingAddressesNameTheFlagAndTheVariable() {
        assertThatThrownBy(() -> KafkaConnection.resolve(null, "http://r:8081", Map.of()))
                .hasMessageContaining("--bootstrap-servers").hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
        assertThatThrownBy(() -> KafkaConnection.resolve("b:9092", " ", Map.of()))
                .hasMessageContaining("--schema-registry-url").hasMessageContaining("SCHEMA_REGISTRY_URL");
    }

    @Test
    void kafkasOwnClientsGetNoRegistrySettings() {
        KafkaConnection connection = KafkaConnection.resolve(null, null, Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "b:9092", "SCHEMA_REGISTRY_URL", "http://r:8081",
                "SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO", "u:p", "KAFKA_CLIENT_ID", "mine"));
        assertThat(connection.kafkaClientConfig()).containsOnlyKeys("bootstrap.servers", "client.id");
    }
}
