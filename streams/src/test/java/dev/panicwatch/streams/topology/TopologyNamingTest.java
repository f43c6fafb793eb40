package dev.panicwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.streams.TopologyDescription;
import org.junit.jupiter.api.Test;

import dev.panicwatch.diagnosis.classify.PanicClassifier;
import dev.panicwatch.streams.config.PipelineSettings;

/** Generated names (KSTREAM-…-0000000012) change when the topology changes and orphan state; none may appear. */
class TopologyNamingTest {

    @Test
    void everyNodeStoreAndInternalTopicIsNamedExplicitly() {
        PanicwatchSerdes serdes = PanicwatchSerdes.withClient(new InMemorySchemaRegistry(), InMemorySchemaRegistry.SETTINGS);
        TopologyDescription description = PanicwatchTopology.build(PipelineSettings.defaults(), serdes,
                new PanicClassifier()).describe();
        String text = description.toString();

        assertThat(text).doesNotContain("KSTREAM-").doesNotContain("KTABLE-").doesNotContain("STATE-STORE-");
        assertThat(text).contains(StoreNames.PANIC_COUNTS_PER_VM, StoreNames.PANIC_COUNTS_PER_HOST,
                StoreNames.PANIC_COUNTS_PER_CLASS, StoreNames.LATEST_REMEDIATION_PER_VM, StoreNames.RECENT_LOAD_PER_VM,
                StoreNames.SEEN_REPORT_IDS, StoreNames.PENDING_PANICS, StoreNames.ADVICE_HISTORY);
        // Regrouping by host and class goes through named repartition topics.
        assertThat(text).contains("panics-per-host-repartition", "panics-per-class-repartition");
    }
}
