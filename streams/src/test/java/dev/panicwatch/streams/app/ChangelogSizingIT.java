package dev.panicwatch.streams.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.junit.jupiter.api.Test;

import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.topology.StoreChangelogs;
import dev.panicwatch.streams.topology.StoreNames;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * docs/streams.md, "Changelog sizing", against the real broker: a load changelog left by an earlier version (a day of
 * raw samples plus Kafka Streams' extra day, 7-day segments) is brought down to what its store keeps, once.
 */
@IntegrationTest
class ChangelogSizingIT {

    @Test
    void anOversizedLoadChangelogIsResizedAtStartAndLeftAloneAfterwards(StackEndpoints stack) throws Exception {
        String applicationId = "panicwatch-sizing-" + UUID.randomUUID();
        String raw = StoreChangelogs.topic(applicationId, StoreNames.RECENT_LOAD_PER_VM);
        PipelineSettings settings = PipelineSettings.defaults();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            // As Kafka Streams created it for the 1-day store of the earlier version: 1 d + 1 d additional retention.
            admin.createTopics(List.of(new NewTopic(raw, Optional.of(1), Optional.empty()).configs(Map.of(
                    TopicConfig.CLEANUP_POLICY_CONFIG, "compact,delete",
                    TopicConfig.RETENTION_MS_CONFIG, "172800000")))).all().get();
            TopicProvisioner provisioner = new TopicProvisioner(admin, settings);

            // The summaries' changelog does not exist yet: Kafka Streams will create it sized, nothing to change.
            assertThat(provisioner.sizeChangelogs(applicationId)).containsExactly(raw);
            Config config = config(admin, raw);
            // 30 minutes of raw samples, in 5-minute segments (a sixth), so at most 35 minutes stay on the broker.
            assertThat(config.get(TopicConfig.RETENTION_MS_CONFIG).value()).isEqualTo("1800000");
            assertThat(config.get(TopicConfig.SEGMENT_MS_CONFIG).value()).isEqualTo("300000");
            assertThat(config.get(TopicConfig.CLEANUP_POLICY_CONFIG).value()).isEqualTo("compact,delete");

            assertThat(provisioner.sizeChangelogs(applicationId)).isEmpty();
        }
    }

    private static Config config(Admin admin, String topic) throws Exception {
        ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        return admin.describeConfigs(List.of(resource)).all().get().get(resource);
    }
}
