package dev.panicwatch.streams.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;

import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsConfigFactoryTest {

    @Test
    void safeDefaultsApplyWhereTheUserSaysNothing() {
        Properties props = StreamsConfigFactory.from(Map.of("bootstrap.servers", "broker:9092"));

        assertThat(props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(props.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("panicwatch");
        assertThat(props.get("producer.acks")).isEqualTo("all");
        assertThat(props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo("-1");
        assertThat(props.get(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG)).asString()
                .endsWith("DeadLetterDeserializationHandler");
        assertThat(new StreamsConfig(props).getProducerConfigs("client").get("batch.size")).isEqualTo("262144");
        // Read back through StreamsConfig, so a misspelt key (which Kafka Streams would ignore) fails here. Off: the
        // 4.4 KIP-892 window stores lose an unflushed segment's samples after a kill -9 (LocalStateGuard).
        assertThat(new StreamsConfig(props).getBoolean(StreamsConfig.TRANSACTIONAL_STATE_STORES_CONFIG)).isFalse();
    }

    @Test
    void theUsersSettingWinsOverADefault() {
        Properties props = StreamsConfigFactory.from(Map.of("bootstrap.servers", "broker:9092",
                StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0", StreamsConfig.APPLICATION_ID_CONFIG, "pw-staging"));

        assertThat(props.get(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG)).isEqualTo("0");
        assertThat(props.get(StreamsConfig.APPLICATION_ID_CONFIG)).isEqualTo("pw-staging");
    }

    @Test
    void aMissingBootstrapServerIsNamed() {
        assertThatThrownBy(() -> StreamsConfigFactory.from(Map.of(StreamsConfig.APPLICATION_ID_CONFIG, "x")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
    }
}
