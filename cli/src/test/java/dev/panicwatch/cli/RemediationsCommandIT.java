package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.schemas.LoadEvidence;
import dev.panicwatch.schemas.PanicClass;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.topology.PanicwatchSerdes;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/** {@code ./panicwatch remediations} reads the real topic through the real registry and stops at its end. */
@IntegrationTest
class RemediationsCommandIT {

    @Test
    void printsTheAdviceOnTheTopicReadablyAndAsJson(StackEndpoints stack) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.REMEDIATIONS, 1, (short) 1))).all().get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw e;
            }
        }
        // The topic is shared with other tests: this run's VM id tells its event apart.
        String vm = "cli-it-" + UUID.randomUUID().toString().substring(0, 8) + "/104";
        RemediationEvent event = RemediationEvent.newBuilder()
                .setRemediationId("r-" + vm).setVmId(vm).setHostId("pve1")
                .setCreatedTime(Instant.parse("2024-05-08T10:03:00Z")).setPanicClass(PanicClass.SPINLOCK_TIMEOUT)
                .setTriggeringReportIds(List.of("rep1")).setPanicsInWindow(2)
                .setEvidence(LoadEvidence.newBuilder().setWindowStart(Instant.parse("2024-05-08T09:50:00Z"))
                        .setWindowEnd(Instant.parse("2024-05-08T10:01:00Z")).setSamples(0).setOverloaded(false)
                        .setLoadPerCpuThreshold(1.0).setVcpuWaitThreshold(0.25).setCpuPressureThreshold(40.0).build())
                .setCurrentVti(6).setActions(List.of(RemediationAction.INVESTIGATE))
                .setRationale("No load samples of " + vm + " arrived around the panic.").build();
        Map<String, Object> producerConfig = Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, RemediationEvent> producer = new KafkaProducer<>(producerConfig,
                new StringSerializer(), PanicwatchSerdes.fromConfig(stack.clientConfig()).remediations().serializer())) {
            producer.send(new ProducerRecord<>(Topics.REMEDIATIONS, vm, event)).get();
        }

        String[] connection = {"--bootstrap-servers", stack.bootstrapServers(), "--schema-registry-url",
                stack.schemaRegistryUrl()};
        String readable = run(concat(new String[] {"remediations"}, connection));
        assertThat(readable).contains("2024-05-08T10:03:00Z  VM " + vm + " on host pve1: SPINLOCK_TIMEOUT, "
                + "2 timeout panics in the window\n  do:        INVESTIGATE\n  load:      0 samples (not overloaded)\n"
                + "  why:       No load samples of " + vm + " arrived around the panic.");

        String json = run(concat(new String[] {"remediations", "--json"}, connection));
        JsonNode mine = null;
        for (String line : json.split("\n")) {
            JsonNode node = new ObjectMapper().readTree(line);
            if (vm.equals(node.path("vmId").asText())) {
                mine = node;
            }
        }
        assertThat(mine).as("this run's event among the JSON lines").isNotNull();
        assertThat(mine.path("createdTime").asText()).isEqualTo("2024-05-08T10:03:00Z");
        assertThat(mine.path("actions").toString()).isEqualTo("[\"INVESTIGATE\"]");
        assertThat(mine.path("suggestedVti").isNull()).isTrue();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    private static String run(String... args) {
        CliRun run = CliRun.of(args);
        assertThat(run.exitCode()).as(run.err()).isZero();
        return run.out();
    }
}
