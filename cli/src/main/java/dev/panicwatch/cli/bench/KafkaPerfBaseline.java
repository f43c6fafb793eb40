package dev.panicwatch.cli.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;

/**
 * Kafka's own perf tools on the benchmark's broker: what this broker and machine can do for plain records of the
 * samples' count and size, the yardstick the pipeline's throughput is divided by. The producer uses the settings the
 * benchmark's sample loader uses (acks=all and idempotence like the collectors, linger and batch size for bulk), so
 * the ratio compares processing with producing, not two producer configurations.
 */
final class KafkaPerfBaseline {

    static final String TOPIC = "bench-baseline";

    /** Producer settings shared by the baseline and {@link SampleLoader}. */
    static final Map<String, String> BULK_PRODUCER = Map.of("acks", "all", "enable.idempotence", "true",
            "linger.ms", "10", "batch.size", "262144", "compression.type", "none");

    record Result(PerfToolSummary.Producer producer, PerfToolSummary.Consumer consumer) {
    }

    private final ChildJvms children;
    private final String bootstrapServers;

    KafkaPerfBaseline(ChildJvms children, String bootstrapServers) {
        this.children = children;
        this.bootstrapServers = bootstrapServers;
    }

    /** Produces then consumes {@code records} records of {@code recordSize} bytes on a topic of {@code partitions}. */
    Result run(long records, int recordSize, int partitions, Duration timeout) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            // The broker does not auto-create topics; without this the producer waits for metadata forever.
            admin.createTopics(List.of(new NewTopic(TOPIC, partitions, (short) 1))).all().get();
        }
        List<String> producerArgs = new ArrayList<>(List.of("--topic", TOPIC, "--num-records", Long.toString(records),
                "--record-size", Integer.toString(recordSize), "--throughput", "-1", "--command-property",
                "bootstrap.servers=" + bootstrapServers));
        BULK_PRODUCER.forEach((k, v) -> producerArgs.add(k + "=" + v));
        PerfToolSummary.Producer producer = PerfToolSummary.producer(children.run(List.of("-Xmx512m"),
                "org.apache.kafka.tools.ProducerPerformance", producerArgs, timeout));
        PerfToolSummary.Consumer consumer = PerfToolSummary.consumer(children.run(List.of("-Xmx512m"),
                "org.apache.kafka.tools.ConsumerPerformance", List.of("--bootstrap-server", bootstrapServers,
                        "--topic", TOPIC, "--num-records", Long.toString(records), "--timeout", "60000"), timeout));
        return new Result(producer, consumer);
    }
}
