package dev.panicwatch.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local stack itself: real processes, kept data, and no process left behind however the parent ends. */
@Tag("integration")
class LocalStackIT {

    private static final String SCHEMA = "{\\\"type\\\":\\\"record\\\",\\\"name\\\":\\\"Probe\\\",\\\"fields\\\":"
            + "[{\\\"name\\\":\\\"a\\\",\\\"type\\\":\\\"int\\\"}]}";

    @Test
    void keptDataKeepsRecordsAndSchemasTogetherAndCloseLeavesNoProcess(@TempDir Path dir) throws Exception {
        long[] firstPids;
        int schemaId;
        try (LocalStack stack = LocalStack.start(LocalStack.Options.kept(dir))) {
            firstPids = stack.pids();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("probe", 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
            }
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    "bootstrap.servers", stack.bootstrapServers(), "acks", "all"),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("probe", "k", "kept")).get(30, TimeUnit.SECONDS);
            }
            schemaId = registerProbeSchema(stack.schemaRegistryUrl());
        }
        assertGone(firstPids);

        try (LocalStack again = LocalStack.start(LocalStack.Options.kept(dir))) {
            Properties props = new Properties();
            props.put("bootstrap.servers", again.bootstrapServers());
            props.put("group.id", "probe-reader");
            props.put("auto.offset.reset", "earliest");
            try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                    new StringDeserializer())) {
                consumer.subscribe(List.of("probe"));
                ConsumerRecords<String, String> records = ConsumerRecords.empty();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (records.isEmpty() && System.nanoTime() < deadline) {
                    records = consumer.poll(Duration.ofMillis(500));
                }
                assertThat(records.iterator().next().value()).isEqualTo("kept");
            }
            HttpResponse<String> schema = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create(again.schemaRegistryUrl() + "/schemas/ids/" + schemaId)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(schema.statusCode()).isEqualTo(200);
            assertThat(schema.body()).contains("Probe");
        }
    }

    @Test
    void halfKeptDataIsRefusedWithTheReason(@TempDir Path dir) throws IOException {
        Files.createDirectories(dir.resolve("kafka/logs"));
        Files.writeString(dir.resolve("kafka/logs/meta.properties"), "node.id=1\n");
        assertThatThrownBy(() -> LocalStack.start(LocalStack.Options.kept(dir)))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Kafka data but no registry data")
                .hasMessageContaining("kept together");
    }

    @Test
    void childrenExitWhenTheParentIsKilled(@TempDir Path dir) throws Exception {
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), StackHolder.class.getName(), dir.resolve("stack").toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        long[] pids;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream()))) {
            String line;
            do {
                line = out.readLine();
            } while (line != null && !line.startsWith("PIDS "));
            assertThat(line).as("the holder printed its children's pids").isNotNull();
            pids = Arrays.stream(line.substring(5).split(" ")).mapToLong(Long::parseLong).toArray();
        }
        assertThat(ProcessHandle.of(pids[0])).isPresent();
        holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown hook runs
        assertGone(pids);
    }

    private static void assertGone(long[] pids) {
        await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
            for (long pid : pids) {
                assertThat(ProcessHandle.of(pid).filter(ProcessHandle::isAlive)).as("process " + pid).isEmpty();
            }
        });
    }

    private static int registerProbeSchema(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(url + "/subjects/probe-value/versions"))
                .header("Content-Type", "application/vnd.schemaregistry.v1+json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"schema\":\"" + SCHEMA + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return Integer.parseInt(response.body().replaceAll("[^0-9]", ""));
    }
}
