package dev.panicwatch.ingest.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
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
    void theProducerIsAlwaysIdempotentWithAcksAll() {
        // Even a configuration that asks otherwise cannot weaken what "acknowledged" means to a sender.
        KafkaConnection connection = KafkaConnection.resolve(null, null, Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "b:9092", "SCHEMA_REGISTRY_URL", "http://r:8081",
                "KAFKA_ACKS", "1", "KAFKA_ENABLE_IDEMPOTENCE", "false", "KAFKA_LINGER_MS", "20"));
        Map<String, Object> config = IdempotentPublisher.producerConfig(connection, Duration.ofSeconds(10));
        assertThat(config).containsEntry("acks", "all").containsEntry("enable.idempotence", true)
                .containsEntry("linger.ms", "20").containsEntry("delivery.timeout.ms", "10000")
                .doesNotContainKey("schema.registry.url");
        // linger (20, from the environment) + request timeout must fit in the delivery timeout: 10 000 − 20.
        assertThat(config.get("request.timeout.ms")).isEqualTo("9980");
    }
}
