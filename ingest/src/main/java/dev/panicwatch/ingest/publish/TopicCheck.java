package dev.panicwatch.ingest.publish;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

import dev.panicwatch.kafka.KafkaConnection;

/**
 * Whether the topics a collector writes to exist. Collectors do not create topics: their partition count is the
 * streams app's decision (co-partitioning), so a missing topic is reported with that advice instead of being
 * created with whatever default the broker has.
 */
public final class TopicCheck {

    private TopicCheck() {
    }

    /**
     * @return the topics of {@code wanted} that the cluster does not have
     * @throws TimeoutException when Kafka did not answer within {@code timeout}
     */
    public static List<String> missing(KafkaConnection connection, Collection<String> wanted, Duration timeout)
            throws TimeoutException, ExecutionException, InterruptedException {
        Map<String, Object> config = new HashMap<>(connection.kafkaClientConfig());
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(millis, 30_000));
        try (Admin admin = Admin.create(config)) {
            Set<String> existing = admin.listTopics().names().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return wanted.stream().filter(t -> !existing.contains(t)).toList();
        }
    }

    /** The advice for missing topics, in one sentence. */
    public static String advice(List<String> missing) {
        return "Kafka has no topic " + String.join(", ", missing) + ": start the streams app once "
                + "(./panicwatch streams creates its topics) or create them with the partition count it expects";
    }
}
