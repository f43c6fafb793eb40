package dev.panicwatch.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ProducerSettingsTest {

    private static KafkaConnection fromEnvironment(Map<String, String> more) {
        Map<String, String> env = new java.util.HashMap<>(more);
        env.put("KAFKA_BOOTSTRAP_SERVERS", "b:9092");
        env.put("SCHEMA_REGISTRY_URL", "http://r:8081");
        return KafkaConnection.resolve(null, null, env);
    }

    @Test
    void theProducerIsAlwaysIdempotentWithAcksAll() {
        // Even a configuration that asks otherwise cannot weaken what "acknowledged" means to a sender.
        Map<String, Object> config = ProducerSettings.forClient("test").deliveryTimeout(Duration.ofSeconds(10))
                .build(fromEnvironment(Map.of("KAFKA_ACKS", "1", "KAFKA_ENABLE_IDEMPOTENCE", "false",
                        "KAFKA_LINGER_MS", "20")));
        assertThat(config).containsEntry("acks", "all").containsEntry("enable.idempotence", "true")
                .containsEntry("linger.ms", "20").containsEntry("delivery.timeout.ms", "10000")
                .containsEntry("client.id", "test").doesNotContainKey("schema.registry.url");
        // linger (20, from the environment) + request timeout must fit in the delivery timeout: 10 000 - 20.
        assertThat(config.get("request.timeout.ms")).isEqualTo("9980");
    }

    @Test
    void sendBlocksAsLongAsDeliveryMayTakeUnlessToldOtherwise() {
        ProducerSettings receiver = ProducerSettings.forClient("r").deliveryTimeout(Duration.ofSeconds(4));
        assertThat(receiver.build(fromEnvironment(Map.of()))).containsEntry("max.block.ms", "4000");
        assertThat(receiver.longestDelivery()).isEqualTo(Duration.ofSeconds(8));

        ProducerSettings sampler = ProducerSettings.forClient("s").deliveryTimeout(Duration.ofSeconds(30))
                .maxBlock(Duration.ofSeconds(5)).requestTimeout(Duration.ofSeconds(10));
        assertThat(sampler.build(fromEnvironment(Map.of()))).containsEntry("max.block.ms", "5000")
                .containsEntry("request.timeout.ms", "10000");
        assertThat(sampler.longestDelivery()).isEqualTo(Duration.ofSeconds(35));
    }

    @Test
    void aProducerSomeoneWaitsForKeepsKafkasQuickReconnect() {
        // A 10 s backoff after a broker restart left the receiver answering 503 for seconds after Kafka was back
        // (BrokerRestartIT); only a producer nobody waits for may back off that long.
        assertThat(ProducerSettings.forClient("r").build(fromEnvironment(Map.of())))
                .doesNotContainKey("reconnect.backoff.max.ms");
        assertThat(ProducerSettings.forClient("s").reconnectBackoffMax(Duration.ofSeconds(10))
                .build(fromEnvironment(Map.of()))).containsEntry("reconnect.backoff.max.ms", "10000");
    }

    @Test
    void aDeliveryTimeoutBelowTwoSecondsIsRaisedToTwo() {
        // Below that the derived request timeout (at least 1 s) and lingering leave the producer no time to retry.
        assertThat(ProducerSettings.forClient("r").deliveryTimeout(Duration.ofMillis(300))
                .build(fromEnvironment(Map.of()))).containsEntry("delivery.timeout.ms", "2000");
    }

    @Test
    void aMalformedTimingVariableIsNamed() {
        assertThatThrownBy(() -> ProducerSettings.forClient("r").build(fromEnvironment(Map.of("KAFKA_LINGER_MS", "soon"))))
                .hasMessageContaining("linger.ms = 'soon'").hasMessageContaining("KAFKA_LINGER_MS");
    }
}
