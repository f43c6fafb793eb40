package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * docker-compose.yml's wiring run as local processes: the {@code ingest} and {@code streams} services' own commands
 * and environment, with only the addresses swapped for local ones (the broker and registry of the test stack, free
 * ports, temporary folders). A report goes in over HTTP, the streams process advises, its API answers.
 */
@IntegrationTest
class ComposeWiringIT {

    private static final String TOKEN = "wiring-test-token";
    private static final String API_TOKEN = "wiring-test-api-token";
    private static final String VM = "pve1/104";
    @RegisterExtension
    final ChildProcesses processes = new ChildProcesses();

    @Test
    void reportOverHttpBecomesAdviceTheApiServes(StackEndpoints stack, @TempDir Path tmp) throws Exception {
        // kafka-init creates the topics before compose starts ingest; the receiver refuses reports while they are missing.
        TopicFixture.ensureTopics(stack.clientConfig());
        Map<String, Object> services = composeServices();
        int ingestPort = freePort();
        int apiPort = freePort();
        Map<String, String> localAddresses = Map.of(
                "kafka:9092", stack.bootstrapServers(),
                "http://schema-registry:8081", stack.schemaRegistryUrl(),
                "/var/lib/panicwatch/state", tmp.resolve("streams-state").toString(),
                "/var/lib/panicwatch/ingest", tmp.resolve("ingest-state").toString());

        Map<String, String> streamsEnv = environment(services, "streams", localAddresses);
        streamsEnv.put("PANICWATCH_API_PORT", String.valueOf(apiPort));
        streamsEnv.put("PANICWATCH_API_HOST", "localhost");
        streamsEnv.put("PANICWATCH_API_TOKEN", API_TOKEN);
        // The seed report's panic is in March 2026, while the shared broker's topics also carry other tests' records of
        // today (the demo's): once those push this app's stream time to now, samples older than the load retention are
        // dropped on arrival. Compose's default (a day) is right for a live fleet, not for a replayed past.
        streamsEnv.put("PANICWATCH_LOAD_RETENTION", "P3650D");
        streamsEnv.put("PANICWATCH_RAW_LOAD_RETENTION", "P3650D");
        // Its own consumer group and changelogs: compose's one application id, shared by the other compose test on this
        // broker, would hand this app a group whose previous member (killed, not left) still holds partitions.
        streamsEnv.put("KAFKA_APPLICATION_ID", "panicwatch-compose-wiring-" + java.util.UUID.randomUUID());
        start("streams", command(services, "streams", Map.of()), streamsEnv, tmp);

        Map<String, String> ingestEnv = environment(services, "ingest", localAddresses);
        ingestEnv.put("PANICWATCH_INGEST_TOKEN", TOKEN);
        start("ingest", command(services, "ingest", Map.of("8088", String.valueOf(ingestPort))), ingestEnv, tmp);

        HttpClient http = HttpClient.newHttpClient();
        String api = "http://localhost:" + apiPort;
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() ->
                get(http, api + "/health").statusCode() == 200
                        && get(http, "http://localhost:" + ingestPort + "/health").statusCode() == 200);

        // The seed's TLB-flush report: macOS 10.15.5 (xnu-6153.121.2), boot-args keepsyms=1, panic at 09:14:37Z.
        byte[] report;
        try (InputStream in = getClass().getResourceAsStream(
                "/scenarios/seed/panics/pve1-101-tlb-flush-timeout.panic")) {
            report = in.readAllBytes();
        }
        HttpResponse<String> accepted = http.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + ingestPort + "/v1/panic-reports"))
                .header("Authorization", "Bearer " + TOKEN).header("X-Panicwatch-Vm-Id", VM)
                .header("X-Panicwatch-Host-Id", "pve1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(report)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);

        // The host sampler's part, published after the panic: load1 110 on 32 CPUs a minute before it, and a later
        // sample that moves stream time past panic + look-ahead (1 min) + grace (2 min), so the panic is decided.
        Instant panic = Instant.parse("2026-03-02T09:14:37Z");
        try (IdempotentPublisher publisher = IdempotentPublisher.create(
                KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()))) {
            publisher.publish(Topics.HOST_LOAD, VM, sample(panic.minusSeconds(60), 110), panic.minusSeconds(60)).join();
            publisher.publish(Topics.HOST_LOAD, VM, sample(panic.plusSeconds(240), 108), panic.plusSeconds(240)).join();
        }

        // 110 / 32 = 3.44 → step 1 + ceil(log2 3.44) = 3 → vti 6 → 9 (cap 12 on xnu-6153), tlbto_us=0 for TLB flush.
        JsonNode advice = await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> {
            HttpResponse<String> r = get(http, api + "/api/v1/remediation?vm=" + VM, API_TOKEN);
            return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
        }, node -> node != null);
        assertThat(advice.get("vmId").asText()).isEqualTo(VM);
        assertThat(advice.get("suggestedVti").asInt()).isEqualTo(9);
        assertThat(advice.get("suggestedBootArgs").asText()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(advice.get("actions")).extracting(JsonNode::asText)
                .containsExactly("RAISE_VTI", "DISABLE_TLB_TIMEOUT", "REDUCE_HOST_LOAD");
    }

    private static HostLoadSample sample(Instant time, double load1) {
        return HostLoadSample.newBuilder().setHostId("pve1").setVmId(VM).setSampleTime(time)
                .setIntervalMillis(10_000).setHostCpus(32).setLoad1(load1).setLoad5(load1).setLoad15(load1)
                .setVmVcpus(8).build();
    }

    private void start(String name, List<String> args, Map<String, String> env, Path tmp) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), Panicwatch.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        // Only what compose would give the container, plus what a JVM needs to run.
        builder.environment().keySet().removeIf(k -> k.startsWith("PANICWATCH_") || k.startsWith("KAFKA_")
                || k.startsWith("SCHEMA_REGISTRY_"));
        builder.environment().putAll(env);
        processes.add(name, builder.start(), tmp.resolve(name + ".log"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> composeServices() throws IOException {
        try (InputStream in = Files.newInputStream(Path.of("..", "docker-compose.yml"))) {
            return (Map<String, Object>) ((Map<String, Object>) new Yaml().load(in)).get("services");
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> environment(Map<String, Object> services, String service,
                                                   Map<String, String> localAddresses) {
        Map<String, Object> env = (Map<String, Object>) ((Map<String, Object>) services.get(service)).get("environment");
        Map<String, String> local = new HashMap<>();
        env.forEach((k, v) -> local.put(k, localAddresses.getOrDefault(String.valueOf(v), String.valueOf(v))));
        return local;
    }

    @SuppressWarnings("unchecked")
    private static List<String> command(Map<String, Object> services, String service, Map<String, String> swaps) {
        List<Object> command = (List<Object>) ((Map<String, Object>) services.get(service)).get("command");
        return command.stream().map(String::valueOf).map(a -> swaps.getOrDefault(a, a)).toList();
    }

    private static HttpResponse<String> get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
