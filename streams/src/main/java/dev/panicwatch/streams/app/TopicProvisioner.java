package dev.panicwatch.streams.app;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.topology.StoreChangelogs;

/**
 * Creates the topics the app reads and writes when they are missing, and checks that the two inputs are
 * co-partitioned: both are keyed by vmId and joined per partition, so a VM's panics and samples must land in the
 * same partition number of each, which only holds when the partition counts agree. Also sizes the changelogs of
 * the stores that keep load ({@link #sizeChangelogs}).
 */
public final class TopicProvisioner {

    private static final Logger LOG = LoggerFactory.getLogger(TopicProvisioner.class);
    private static final long TIMEOUT_SECONDS = 60;
    private static final long METADATA_WAIT_SECONDS = 30;

    private final Admin admin;
    private final PipelineSettings settings;

    public TopicProvisioner(Admin admin, PipelineSettings settings) {
        this.admin = admin;
        this.settings = settings;
    }

    /** Ensures all six topics exist, then checks co-partitioning; returns the input partition count. */
    public int ensureTopics() {
        Map<String, Integer> existing = partitionCounts(List.of(Topics.PANIC_REPORTS, Topics.HOST_LOAD,
                Topics.REMEDIATIONS, Topics.GUEST_STATE, Topics.ADVICE_OUTCOMES, Topics.DEAD_LETTERS));
        // A missing input gets the other input's count, so creating one never breaks co-partitioning.
        int inputPartitions = existing.getOrDefault(Topics.PANIC_REPORTS,
                existing.getOrDefault(Topics.HOST_LOAD, settings.topicPartitions()));
        Optional<Short> replication = settings.topicReplication() == -1 ? Optional.empty()
                : Optional.of((short) settings.topicReplication());
        List<NewTopic> missing = definitions(inputPartitions, settings.topicPartitions(), replication).stream()
                .filter(topic -> !existing.containsKey(topic.name())).toList();
        create(missing);
        checkCoPartitioned();
        return inputPartitions;
    }

    /**
     * The topics the app reads and writes, as it creates them when they are missing. This is the one definition:
     * docker-compose.yml's kafka-init creates the same topics before the app first runs, and DockerComposeTest checks
     * its commands against this list.
     *
     * @param inputPartitions      partitions of both inputs, of remediations, guest-state and advice-outcomes (keyed by vmId like
     *                             them, so a later join per VM needs no repartitioning)
     * @param deadLetterPartitions partitions of the dead-letter topic, which nothing joins
     * @param replication          replication factor, or empty for the broker's default
     */
    public static List<NewTopic> definitions(int inputPartitions, int deadLetterPartitions,
                                             Optional<Short> replication) {
        return List.of(
                new NewTopic(Topics.PANIC_REPORTS, Optional.of(inputPartitions), replication),
                new NewTopic(Topics.HOST_LOAD, Optional.of(inputPartitions), replication),
                // Compacted: the latest event per VM is its current advice, and history beyond it may go.
                new NewTopic(Topics.REMEDIATIONS, Optional.of(inputPartitions), replication)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                // Compacted: the latest observation per VM is what it runs now; older ones only repeat or contradict it.
                new NewTopic(Topics.GUEST_STATE, Optional.of(inputPartitions), replication)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)),
                // Keyed by vmId and written by the same tasks as remediations; the transitions are history, not
                // replaced state, so this one is not compacted.
                new NewTopic(Topics.ADVICE_OUTCOMES, Optional.of(inputPartitions), replication),
                new NewTopic(Topics.DEAD_LETTERS, Optional.of(deadLetterPartitions), replication));
    }

    /** Fails with a message naming both counts when the input topics' partition counts differ. */
    public void checkCoPartitioned() {
        Map<String, Integer> counts = visiblePartitionCounts(List.of(Topics.PANIC_REPORTS, Topics.HOST_LOAD));
        Integer panics = counts.get(Topics.PANIC_REPORTS);
        Integer loads = counts.get(Topics.HOST_LOAD);
        if (panics == null || loads == null) {
            throw new IllegalStateException("input topic " + (panics == null ? Topics.PANIC_REPORTS : Topics.HOST_LOAD)
                    + " does not exist");
        }
        requireCoPartitioned(panics, loads);
    }

    /** The check itself: equal partition counts, or an error that says why and what to do. */
    static void requireCoPartitioned(int panics, int loads) {
        if (panics != loads) {
            throw new IllegalStateException("input topics are not co-partitioned: " + Topics.PANIC_REPORTS + " has "
                    + panics + " partitions but " + Topics.HOST_LOAD + " has " + loads + ". Both are keyed by vmId and "
                    + "a VM's panics are joined with its samples per partition, so the counts must be equal: add "
                    + "partitions to the smaller one (kafka-topics.sh --alter --partitions " + Math.max(panics, loads)
                    + ") and restart the producers so keys are re-hashed");
        }
    }

    private void create(List<NewTopic> topics) {
        if (topics.isEmpty()) {
            return;
        }
        admin.createTopics(topics).values().forEach((name, future) -> {
                try {
                    future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                    LOG.info("created topic {}", name);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(),
                                e.getCause());
                    }
                    LOG.info("topic {} was created meanwhile by someone else", name);
                } catch (TimeoutException e) {
                    throw new IllegalStateException("broker did not confirm creating topic " + name + " within "
                            + TIMEOUT_SECONDS + " s", e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating topic " + name, e);
                }
        });
    }

    /**
     * Partition counts once the topics show in the metadata: a topic the controller just created can take a moment
     * to appear in a broker's metadata (seconds on a busy machine), and calling it missing then would be wrong.
     */
    private Map<String, Integer> visiblePartitionCounts(List<String> names) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(METADATA_WAIT_SECONDS);
        while (true) {
            Map<String, Integer> counts = partitionCounts(names);
            if (counts.keySet().containsAll(names) || System.nanoTime() > deadline) {
                return counts;
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return counts;
            }
        }
    }

    private Map<String, Integer> partitionCounts(List<String> names) {
        Map<String, Integer> counts = new java.util.HashMap<>();
        admin.describeTopics(names).topicNameValues().forEach((name, future) -> {
            try {
                TopicDescription d = future.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                counts.put(name, d.partitions().size());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    throw new IllegalStateException("cannot describe topic " + name + ": " + e.getCause().getMessage(),
                            e.getCause());
                }
            } catch (TimeoutException e) {
                throw new IllegalStateException("broker did not describe topic " + name + " within " + TIMEOUT_SECONDS
                        + " s; is bootstrap.servers right?", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing topic " + name, e);
            }
        });
        return counts;
    }

    /**
     * Brings the sized changelogs ({@link StoreChangelogs}) that already exist to the configs their stores need, and
     * says what it changed: Kafka Streams sets topic configs only when it creates a changelog, so one made by an
     * earlier version (a day of raw samples plus a day) or by hand would keep what a rebuild must read forever.
     * Missing changelogs are left to Kafka Streams, which creates them sized. A broker that refuses the change (no
     * ALTER_CONFIGS permission) is warned about, with the command to run, and the app starts anyway: the restore is
     * slower, the advice is the same.
     *
     * @return the topics whose configs were changed
     */
    public List<String> sizeChangelogs(String applicationId) {
        List<String> changed = new java.util.ArrayList<>();
        StoreChangelogs.sized(settings).forEach((store, wanted) -> {
            String topic = StoreChangelogs.topic(applicationId, store);
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            Config actual;
            try {
                actual = admin.describeConfigs(List.of(resource)).values().get(resource)
                        .get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                    return; // created by Kafka Streams with the wanted configs
                }
                LOG.warn("cannot read the configs of changelog {}: {}", topic, e.getCause().getMessage());
                return;
            } catch (TimeoutException e) {
                LOG.warn("broker did not describe changelog {} within {} s; its configs are not checked", topic,
                        TIMEOUT_SECONDS);
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while describing changelog " + topic, e);
            }
            List<AlterConfigOp> ops = new java.util.ArrayList<>();
            List<String> differences = new java.util.ArrayList<>();
            new java.util.TreeMap<>(wanted).forEach((key, value) -> {
                ConfigEntry entry = actual.get(key);
                String was = entry == null ? null : entry.value();
                if (!value.equals(was)) {
                    ops.add(new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET));
                    differences.add(key + " " + was + " -> " + value);
                }
            });
            if (ops.isEmpty()) {
                return;
            }
            try {
                admin.incrementalAlterConfigs(Map.of(resource, ops)).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                LOG.info("changelog {} resized to what store {} keeps: {}", topic, store, String.join(", ",
                        differences));
                changed.add(topic);
            } catch (ExecutionException | TimeoutException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                LOG.warn("changelog {} keeps more than store {} needs ({}) and could not be changed: {}. A rebuild "
                                + "after a crash reads all of it; set it by hand: kafka-configs.sh --alter "
                                + "--entity-type topics --entity-name {} --add-config {}", topic, store,
                        String.join(", ", differences), cause.getMessage(), topic, configList(wanted));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while changing changelog " + topic, e);
            }
        });
        return changed;
    }

    private static String configList(Map<String, String> configs) {
        List<String> pairs = new java.util.ArrayList<>();
        new java.util.TreeMap<>(configs).forEach((k, v) -> pairs.add(k + "=" + v));
        return String.join(",", pairs);
    }

    /** Topic names this provisioner manages, for logs. */
    public static Set<String> managedTopics() {
        return Set.of(Topics.PANIC_REPORTS, Topics.HOST_LOAD, Topics.REMEDIATIONS, Topics.GUEST_STATE,
                Topics.ADVICE_OUTCOMES, Topics.DEAD_LETTERS);
    }
}
