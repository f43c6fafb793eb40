package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.ingest.testing.GuestAgent;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;
import dev.panicwatch.testkit.TestCertificates;
import dev.panicwatch.tls.ClientTrust;

/**
 * docker-compose.yml with deploy/compose/tls.yml on top, run as local processes (as ComposeWiringIT does for the
 * plain file): both services get the mounted certificate's paths (swapped for a certificate made for the test) and
 * tokens; the guest agent delivers a report over HTTPS, the streams process advises, and its API answers over HTTPS
 * to the token only.
 */
@IntegrationTest
class ComposeTlsWiringIT {

    private static final String INGEST_TOKEN = "compose-tls-ingest-token";
    private static final String API_TOKEN = "compose-tls-api-token";
    private static final String MOUNTED = "/run/panicwatch/tls/";
    @RegisterExtension
    final ChildProcesses processes = new ChildProcesses();

    @Test
    void reportOverHttpsBecomesAdviceTheApiServesOverHttpsWithTheToken(StackEndpoints stack, @TempDir Path tmp)
            throws Exception {
        // kafka-init creates the topics before compose starts ingest; the receiver refuses reports while they are missing.
        TopicFixture.ensureTopics(stack.clientConfig());
        ComposeFiles compose = ComposeFiles.read("docker-compose.yml", "deploy/compose/tls.yml");
        TestCertificates ca = TestCertificates.authority("Compose TLS test CA");
        Path caFile = ca.writeCertificate(tmp.resolve("ca.pem"));
        TestCertificates.Issued certificate = ca.server(tmp.resolve("tls"), "server", "localhost");
        String vm = "pve1/" + java.util.UUID.randomUUID();
        int ingestPort = freePort();
        int apiPort = freePort();
        Map<String, String> local = new HashMap<>(Map.of(
                "kafka:9092", stack.bootstrapServers(),
                "http://schema-registry:8081", stack.schemaRegistryUrl(),
                "/var/lib/panicwatch/state", tmp.resolve("streams-state").toString(),
                "/var/lib/panicwatch/ingest", tmp.resolve("ingest-state").toString(),
                MOUNTED + "fullchain.pem", certificate.certificate().toString(),
                MOUNTED + "privkey.pem", certificate.key().toString()));

        Map<String, String> streamsEnv = compose.environment("streams", local);
        assertThat(streamsEnv).containsEntry("PANICWATCH_API_TLS_CERT", certificate.certificate().toString())
                .containsEntry("PANICWATCH_API_TLS_KEY", certificate.key().toString())
                .containsKey("PANICWATCH_API_TOKEN");
        streamsEnv.put("PANICWATCH_API_TOKEN", API_TOKEN);
        // The seed report's panic is in March 2026, while the shared broker's topics also carry other tests' records of
        // today (the demo's): once those push this app's stream time to now, samples older than the load retention are
        // dropped on arrival. Compose's default (a day) is right for a live fleet, not for a replayed past.
        streamsEnv.put("PANICWATCH_LOAD_RETENTION", "P3650D");
        streamsEnv.put("PANICWATCH_RAW_LOAD_RETENTION", "P3650D");
        // Where the VM's later sample is not what closes the window, the wall clock does: one grace after the backlog.
        streamsEnv.put("PANICWATCH_GRACE", "PT15S");
        // Its own consumer group and changelogs: compose's one application id, shared by the other compose test on this
        // broker, would hand this app a group whose previous member (killed, not left) still holds partitions.
        streamsEnv.put("KAFKA_APPLICATION_ID", "panicwatch-compose-tls-" + java.util.UUID.randomUUID());
        streamsEnv.put("PANICWATCH_API_PORT", String.valueOf(apiPort));
        streamsEnv.put("PANICWATCH_API_HOST", "localhost");
        start("streams", compose.command("streams", Map.of()), streamsEnv, tmp);

        Map<String, String> ingestEnv = compose.environment("ingest", local);
        assertThat(ingestEnv).containsEntry("PANICWATCH_INGEST_TLS_CERT", certificate.certificate().toString());
        ingestEnv.put("PANICWATCH_INGEST_TOKEN", INGEST_TOKEN);
        start("ingest", compose.command("ingest", Map.of("8088", String.valueOf(ingestPort))), ingestEnv, tmp);

        HttpClient https = ClientTrust.fromCaFile("ca", caFile.toString()).httpClient()
                .connectTimeout(Duration.ofSeconds(5)).build();
        String api = "https://localhost:" + apiPort;
        await().atMost(Duration.ofSeconds(120)).ignoreExceptions().until(() ->
                get(https, api + "/health", null).statusCode() == 200
                        && get(https, "https://localhost:" + ingestPort + "/health", null).statusCode() == 200);

        GuestAgent agent = new GuestAgent(tmp.resolve("guest"), "keepsyms=1", java.util.UUID.randomUUID().toString());
        agent.report("Kernel-2026-03-02-091437.panic", SampleReports.seed("pve1-101-tlb-flush-timeout.panic"));
        GuestAgent.Run sent = agent.run("https://localhost:" + ingestPort, INGEST_TOKEN, 1,
                Map.of("PANICWATCH_CA_FILE", caFile.toString(), "PANICWATCH_VM_ID", vm, "PANICWATCH_HOST_ID", "pve1"));
        assertThat(sent.exitCode()).as(sent.stderr()).isZero();

        // The seed report's panic is at 2026-03-02T09:14:37Z: load 110 on 32 CPUs before it, a later sample to move
        // stream time past the panic's window and grace.
        Instant panic = Instant.parse("2026-03-02T09:14:37Z");
        try (IdempotentPublisher publisher = IdempotentPublisher.create(
                KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()))) {
            publisher.publish(Topics.HOST_LOAD, vm, sample(vm, panic.minusSeconds(60), 110), panic.minusSeconds(60)).join();
            publisher.publish(Topics.HOST_LOAD, vm, sample(vm, panic.plusSeconds(240), 108), panic.plusSeconds(240)).join();
        }

        // 110 / 32 = 3.44: step 1 + ceil(log2 3.44) = 3, vti 6 -> 9 (cap 12 on xnu-6153), tlbto_us=0 for TLB flush.
        String remediation = api + "/api/v1/remediation?vm=" + java.net.URLEncoder.encode(vm, "UTF-8");
        JsonNode advice = await().atMost(Duration.ofSeconds(240)).ignoreExceptions().until(() -> {
            HttpResponse<String> r = get(https, remediation, API_TOKEN);
            return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
        }, node -> node != null);
        assertThat(advice.get("suggestedBootArgs").asText()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(get(https, remediation, null).statusCode()).isEqualTo(401);
        assertThat(get(https, api + "/metrics", null).statusCode()).isEqualTo(401);
    }

    private static HostLoadSample sample(String vm, Instant time, double load1) {
        return HostLoadSample.newBuilder().setHostId("pve1").setVmId(vm).setSampleTime(time)
                .setIntervalMillis(10_000).setHostCpus(32).setLoad1(load1).setLoad5(load1).setLoad15(load1)
                .setVmVcpus(8).build();
    }

    private void start(String name, List<String> args, Map<String, String> env, Path tmp) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), Panicwatch.class.getName()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve(name + ".log").toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("PANICWATCH_") || k.startsWith("KAFKA_")
                || k.startsWith("SCHEMA_REGISTRY_"));
        builder.environment().putAll(env);
        processes.add(name, builder.start(), tmp.resolve(name + ".log"));
    }

    private static HttpResponse<String> get(HttpClient http, String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
