package dev.panicwatch.streams.topology;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.kafka.common.config.TopicConfig;

import dev.panicwatch.streams.config.PipelineSettings;

/**
 * The changelog topic configs of the stores whose changelogs would otherwise keep far more than the store
 * (docs/streams.md, "Changelog sizing"). A rebuild after an unclean stop reads a changelog from its start, so what the
 * broker keeps is what a restart costs:
 * <ul>
 *   <li>{@code retention.ms} is the store's own retention. Kafka Streams' default for a window store adds
 *       {@code windowstore.changelog.additional.retention.ms} (one day): a day of raw samples for a 30-minute store.</li>
 *   <li>{@code segment.ms} is a sixth of it (at least a minute): the broker deletes whole segments only, and its
 *       default segment (7 days or 1 GiB) would keep everything ever written to a busy raw changelog.</li>
 * </ul>
 * The topology gives these to the stores, so Kafka Streams creates the topics so; {@code ChangelogCheck} compares an
 * existing topic (made by an older version or by hand) with them at start-up.
 */
public final class StoreChangelogs {

    private StoreChangelogs() {
    }

    /** Store name → the topic configs its changelog should have. */
    public static Map<String, Map<String, String>> sized(PipelineSettings settings) {
        Map<String, Map<String, String>> sized = new LinkedHashMap<>();
        sized.put(StoreNames.RECENT_LOAD_PER_VM, keptFor(settings.rawLoadRetention()));
        sized.put(StoreNames.LOAD_SUMMARY_PER_VM, keptFor(settings.loadRetention()));
        return sized;
    }

    private static Map<String, String> keptFor(Duration retention) {
        long segment = Math.max(Duration.ofMinutes(1).toMillis(), retention.toMillis() / 6);
        return Map.of(TopicConfig.RETENTION_MS_CONFIG, Long.toString(retention.toMillis()),
                TopicConfig.SEGMENT_MS_CONFIG, Long.toString(segment));
    }

    /** The changelog topic of {@code store} under {@code applicationId}, as Kafka Streams names it. */
    public static String topic(String applicationId, String store) {
        return applicationId + "-" + store + "-changelog";
    }
}
