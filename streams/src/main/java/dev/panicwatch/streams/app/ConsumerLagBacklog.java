package dev.panicwatch.streams.app;

import java.util.Map;

import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.streams.KafkaStreams;

import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.topology.HostLoadBacklog;

/**
 * {@link HostLoadBacklog} from the stream threads' own consumers: the {@code records-lag} the consumer reports for a
 * {@code host-load} partition after each fetch (records between its position and the partition's end). Drained at
 * {@value #DRAINED_AT_MOST} records or fewer: a live fleet keeps publishing, so the lag of a caught-up consumer is a
 * few records, never exactly 0 for long. Unknown (no fetch yet for that partition, still restoring) is not drained.
 */
final class ConsumerLagBacklog implements HostLoadBacklog {

    static final double DRAINED_AT_MOST = 500;
    private static final String GROUP = "consumer-fetch-manager-metrics";

    private volatile KafkaStreams streams;

    /** The app whose consumers to ask; until attached nothing is drained. */
    void attach(KafkaStreams streams) {
        this.streams = streams;
    }

    @Override
    public boolean drained(int partition) {
        KafkaStreams attached = streams;
        if (attached == null) {
            return false;
        }
        return drained(attached.metrics(), partition);
    }

    static boolean drained(Map<MetricName, ? extends Metric> metrics, int partition) {
        String wanted = Integer.toString(partition);
        for (Map.Entry<MetricName, ? extends Metric> entry : metrics.entrySet()) {
            MetricName name = entry.getKey();
            Map<String, String> tags = name.tags();
            if (!"records-lag".equals(name.name()) || !GROUP.equals(name.group())
                    || !Topics.HOST_LOAD.equals(tags.get("topic")) || !wanted.equals(tags.get("partition"))
                    || tags.getOrDefault("client-id", "").endsWith("restore-consumer")) {
                continue;
            }
            Object value = entry.getValue().metricValue();
            if (value instanceof Number lag && !Double.isNaN(lag.doubleValue())
                    && lag.doubleValue() <= DRAINED_AT_MOST) {
                return true;
            }
        }
        return false;
    }
}
