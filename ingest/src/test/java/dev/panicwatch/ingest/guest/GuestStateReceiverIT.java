package dev.panicwatch.ingest.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.panic.http.PanicReportIntake;
import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * {@code POST /v1/guest-state} on the real receiver, broker and schema registry: what a 202 answered is in
 * {@code guest-state} as an Avro {@code GuestState} (read back through the registry), keyed by vmId; a report's
 * boot-args land there too; bad input is refused with the field named and leaves nothing in the topic.
 */
@IntegrationTest
class GuestStateReceiverIT {

    private static final String TOKEN = "guest-state-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StackEndpoints stack;
    private final String vm = "it-" + UUID.randomUUID().toString().substring(0, 8) + "/104";
    private final HttpClient http = HttpClient.newHttpClient();
    private IdempotentPublisher producer;
    private PublishedLedger ledger;
    private PanicReportReceiver receiver;

    GuestStateReceiverIT(StackEndpoints stack) {
        this.stack = stack;
    }

    @BeforeEach
    void start(@TempDir Path state) throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        producer = IdempotentPublisher.create(KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()),
                Duration.ofSeconds(15));
        ledger = PublishedLedger.open(state);
        PanicReportIntake reports = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(20),
                new PanicReportFactory(), new PanicReportPublisher(producer, ledger), Clock.systemUTC());
        reports.observeBootArgs(producer);
        receiver = PanicReportReceiver.start("127.0.0.1", 0, reports,
                new GuestStateIntake(TOKEN, Duration.ofSeconds(20), producer, Clock.systemUTC()));
    }

    @AfterEach
    void stop() throws java.io.IOException {
        receiver.close();
        producer.close();
        ledger.close();
    }

    @Test
    void whatWasAnswered202IsInTheTopicAndNothingElse() throws Exception {
        String good = "{\"vmId\":\"" + vm + "\",\"hostId\":\"pve1\",\"time\":\"2026-03-02T09:14:00Z\","
                + "\"bootArgs\":\"keepsyms=1 tlbto_us=0 vti=9\",\"vti\":9,\"tlbtoUs\":0,\"osVersion\":\"10.15.5\","
                + "\"osBuild\":\"19F101\",\"kernelVersion\":\"Darwin Kernel Version 19.5.0: Tue May 26 20:41:44 PDT "
                + "2020; root:xnu-6153.121.2~2/RELEASE_X86_64\",\"bootTime\":\"2026-03-02T08:00:00Z\",\"cpus\":8,"
                + "\"agentVersion\":\"0.1.0\"}";
        HttpResponse<String> accepted = post(GuestStateIntake.PATH, vm, "application/json", good, TOKEN);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(JSON.readTree(accepted.body()).get("vti").asInt()).isEqualTo(9);

        // Refused, each with the field or header named, and none of them published.
        assertError(post(GuestStateIntake.PATH, vm, "application/json", "{\"vmId\":\"" + vm + "\",\"cpus\":\"8\"}",
                TOKEN), 400, "\"cpus\" must be a whole number");
        assertError(post(GuestStateIntake.PATH, "other/1", "application/json", good, TOKEN), 400,
                "X-Panicwatch-Vm-Id 'other/1' does not match");
        assertError(post(GuestStateIntake.PATH, vm, "application/json", good, "wrong"), 401, "wrong bearer token");
        assertError(post(GuestStateIntake.PATH, vm, "application/json", "{\"vmId\":\"" + vm + "\",\"pad\":\""
                + "x".repeat(GuestStateIntake.MAX_BODY_BYTES) + "\"}", TOKEN), 413, "guest state too large");
        assertError(post(GuestStateIntake.PATH, vm, "application/json", "{\"vmId\":", TOKEN), 400,
                "body is not valid JSON");

        // A report with a Boot args: line and no reading of the sender's: a guest-state observation too.
        HttpResponse<String> report = post(PanicReportReceiver.PATH, vm, "application/octet-stream",
                new String(SampleReports.tlbFlush(1, "keepsyms=1"), java.nio.charset.StandardCharsets.UTF_8), TOKEN);
        assertThat(report.statusCode()).as(report.body()).isEqualTo(202);

        List<ConsumerRecord<String, GuestState>> records = TopicFixture.readAll(stack.clientConfig(),
                Topics.GUEST_STATE, GuestState.class).stream().filter(r -> r.key().equals(vm)).toList();
        assertThat(records).hasSize(2);
        GuestState agent = records.get(0).value();
        assertThat(agent.getSource()).isEqualTo(GuestStateSource.AGENT);
        assertThat(agent.getVmId()).isEqualTo(vm);
        assertThat(agent.getObservedTime()).isEqualTo(Instant.parse("2026-03-02T09:14:00Z"));
        assertThat(records.get(0).timestamp()).isEqualTo(Instant.parse("2026-03-02T09:14:00Z").toEpochMilli());
        assertThat(agent.getVti()).isEqualTo(9);
        assertThat(agent.getTlbtoUs()).isEqualTo(0);
        assertThat(agent.getXnuVersion()).isEqualTo("xnu-6153.121.2");
        assertThat(agent.getBootTime()).isEqualTo(Instant.parse("2026-03-02T08:00:00Z"));
        assertThat(agent.getCpus()).isEqualTo(8);
        GuestState fromReport = records.get(1).value();
        assertThat(fromReport.getSource()).isEqualTo(GuestStateSource.PANIC_REPORT);
        assertThat(fromReport.getBootArgs()).isEqualTo("keepsyms=1");
        assertThat(fromReport.getVti()).isEqualTo(6);
        assertThat(fromReport.getTlbtoUs()).isNull();
    }

    @Test
    void theSchemaIsServedAndHealthCountsGuestStates() throws Exception {
        HttpResponse<String> schema = http.send(HttpRequest.newBuilder(uri(GuestStateIntake.SCHEMA_PATH)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(schema.statusCode()).isEqualTo(200);
        assertThat(schema.headers().firstValue("Content-Type").orElse("")).startsWith("application/schema+json");
        JsonNode body = JSON.readTree(schema.body());
        assertThat(body.get("required").toString()).isEqualTo("[\"vmId\"]");

        post(GuestStateIntake.PATH, null, "application/json", "{\"vmId\":\"" + vm + "\"}", TOKEN);
        JsonNode health = JSON.readTree(http.send(HttpRequest.newBuilder(uri("/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body());
        assertThat(health.get("guestState").get("published").asLong()).isEqualTo(1);
    }

    private void assertError(HttpResponse<String> response, int status, String phrase) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(JSON.readTree(response.body()).get("error").asText()).contains(phrase);
    }

    private HttpResponse<String> post(String path, String vmId, String contentType, String body, String token)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", contentType).header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (vmId != null) {
            request.header("X-Panicwatch-Vm-Id", vmId);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + receiver.port() + path);
    }
}
