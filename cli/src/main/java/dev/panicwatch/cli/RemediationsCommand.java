package dev.panicwatch.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

import com.fasterxml.jackson.databind.ObjectMapper;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.panicwatch.schemas.LoadEvidence;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.schemas.kafka.ClientSettings;
import dev.panicwatch.streams.query.AvroJson;
import dev.panicwatch.streams.topology.PanicwatchSerdes;

/**
 * {@code ./panicwatch remediations}: the remediation topic from its start, as committed (read_committed), in readable
 * form: which VM, what to change, why. Without {@code --follow} it stops at the end of the topic.
 */
@Command(name = "remediations", mixinStandardHelpOptions = true,
        description = {"Print the advice on the remediations topic: what to change on which VM, and why.",
                "Other client settings (SASL, SSL) come from KAFKA_* variables, e.g. KAFKA_SECURITY_PROTOCOL."})
final class RemediationsCommand implements Callable<Integer> {

    @Option(names = "--follow", description = "Keep waiting for new advice (Ctrl-C to stop).")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per line (the event's Avro fields).")
    boolean json;

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            defaultValue = "${env:KAFKA_BOOTSTRAP_SERVERS:-localhost:9092}",
            description = "Kafka (default: KAFKA_BOOTSTRAP_SERVERS or ${DEFAULT-VALUE}).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            defaultValue = "${env:SCHEMA_REGISTRY_URL:-http://localhost:8081}",
            description = "Schema registry (default: SCHEMA_REGISTRY_URL or ${DEFAULT-VALUE}).")
    String schemaRegistryUrl;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public Integer call() {
        Map<String, Object> config = new HashMap<>(ClientSettings.fromEnvironment(System.getenv()));
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put("schema.registry.url", schemaRegistryUrl);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        try (KafkaConsumer<String, RemediationEvent> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                PanicwatchSerdes.fromConfig(config).remediations().deserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.REMEDIATIONS, Duration.ofSeconds(15));
            if (infos == null || infos.isEmpty()) {
                System.err.println("panicwatch remediations: topic " + Topics.REMEDIATIONS + " does not exist on "
                        + bootstrapServers + " (has './panicwatch streams' run against it?)");
                return 1;
            }
            infos.forEach(i -> partitions.add(new TopicPartition(i.topic(), i.partition())));
            // No consumer group: every run reads the whole topic, and nothing is committed on the operator's behalf.
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            AtomicBoolean stopping = new AtomicBoolean();
            Thread main = Thread.currentThread();
            Thread hook = new Thread(() -> {
                stopping.set(true);
                consumer.wakeup();
                try {
                    main.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                while (!stopping.get()) {
                    for (ConsumerRecord<String, RemediationEvent> record : consumer.poll(Duration.ofMillis(500))) {
                        print(record.value(), System.out);
                    }
                    if (!follow && reachedEnd(consumer, end)) {
                        break;
                    }
                }
            } catch (WakeupException e) {
                // Ctrl-C while following.
            } finally {
                if (!stopping.get()) {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
            }
            return 0;
        } catch (KafkaException e) {
            System.err.println("panicwatch remediations: cannot read " + Topics.REMEDIATIONS + " from "
                    + bootstrapServers + ": " + e.getMessage());
            return 1;
        }
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        // Under read_committed the position can stop short of the end offset only while a transaction is open;
        // the position then moves past its markers once it ends.
        return end.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
    }

    private void print(RemediationEvent event, PrintStream out) {
        if (event == null) {
            return; // a tombstone
        }
        if (json) {
            try {
                out.println(JSON.writeValueAsString(RemediationText.fields(event)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException(e);
            }
            return;
        }
        out.println(RemediationText.readable(event));
        out.println();
    }

    /** The event as text for people, and as plain fields for JSON. */
    static final class RemediationText {

        private RemediationText() {
        }

        static String readable(RemediationEvent e) {
            StringBuilder text = new StringBuilder();
            text.append(e.getCreatedTime()).append("  VM ").append(e.getVmId());
            if (e.getHostId() != null) {
                text.append(" on host ").append(e.getHostId());
            }
            text.append(": ").append(e.getPanicClass()).append(", ").append(e.getPanicsInWindow())
                    .append(e.getPanicsInWindow() == 1 ? " timeout panic" : " timeout panics").append(" in the window\n");
            text.append("  do:        ").append(String.join(", ", e.getActions().stream().map(Enum::name).toList()))
                    .append('\n');
            if (e.getSuggestedBootArgs() != null) {
                text.append("  boot-args: ").append(e.getSuggestedBootArgs());
                if (e.getSuggestedVti() != null) {
                    text.append("   (vti ").append(e.getCurrentVti()).append(" → ").append(e.getSuggestedVti())
                            .append(')');
                }
                text.append('\n');
            }
            LoadEvidence evidence = e.getEvidence();
            text.append("  load:      ").append(evidence.getSamples()).append(" samples");
            if (evidence.getPeakLoadPerCpu() != null) {
                text.append(String.format(java.util.Locale.ROOT, ", peak load/CPU %.2f", evidence.getPeakLoadPerCpu()));
            }
            if (evidence.getWorstVcpuWaitRatio() != null) {
                text.append(String.format(java.util.Locale.ROOT, ", worst vCPU wait %.0f %%",
                        evidence.getWorstVcpuWaitRatio() * 100));
            }
            text.append(evidence.getOverloaded() ? " (overloaded)" : " (not overloaded)").append('\n');
            text.append("  why:       ").append(e.getRationale());
            return text.toString();
        }

        static Map<String, Object> fields(RemediationEvent e) {
            return AvroJson.of(e);
        }
    }
}
