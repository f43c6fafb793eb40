package dev.panicwatch.streams.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.metrics.Gauge;
import org.apache.kafka.common.metrics.Metrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Against a real metrics registry holding the consumer's metric as Kafka names and tags it. */
class ConsumerLagBacklogTest {

    private final Metrics metrics = new Metrics();

    @AfterEach
    void close() {
        metrics.close();
    }

    private void lag(String clientId, String topic, int partition, double value) {
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("client-id", clientId);
        tags.put("topic", topic);
        tags.put("partition", Integer.toString(partition));
        metrics.addMetric(metrics.metricName("records-lag", "consumer-fetch-manager-metrics", "", tags),
                (Gauge<Double>) (config, now) -> value);
    }

    @Test
    void aPartitionReadToWithinAFewRecordsOfItsEndIsDrained() {
        lag("app-StreamThread-1-consumer", "host-load", 0, 3);
        lag("app-StreamThread-1-consumer", "host-load", 1, 120_000);

        assertThat(ConsumerLagBacklog.drained(metrics.metrics(), 0)).isTrue();
        assertThat(ConsumerLagBacklog.drained(metrics.metrics(), 1)).as("a backlog of 120,000").isFalse();
    }

    @Test
    void noFetchYetOrOnlyOtherTopicsOrTheRestoreConsumerIsNotDrained() {
        lag("app-StreamThread-1-consumer", "host-load", 2, Double.NaN);
        lag("app-StreamThread-1-consumer", "panic-reports", 0, 0);
        lag("app-StreamThread-1-restore-consumer", "host-load", 0, 0);

        assertThat(ConsumerLagBacklog.drained(metrics.metrics(), 2)).as("NaN: no fetch yet").isFalse();
        assertThat(ConsumerLagBacklog.drained(metrics.metrics(), 0)).isFalse();
        assertThat(ConsumerLagBacklog.drained(metrics.metrics(), 5)).as("not assigned here").isFalse();
    }

    @Test
    void unattachedIsNotDrained() {
        assertThat(new ConsumerLagBacklog().drained(0)).isFalse();
    }
}
