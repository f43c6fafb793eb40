package dev.panicwatch.streams.query;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.metrics.PanicwatchMetrics;

/** The HTTP layer without Kafka: a server not yet attached to Kafka Streams, as during start-up. */
class QueryServerTest {

    private static final String TOKEN = "s3cret";

    private PanicwatchMetrics metrics;
    private QueryServer server;
    private ApiClient client;

    @BeforeEach
    void start() {
        metrics = new PanicwatchMetrics();
        server = QueryServer.start(new QueryApiSettings(0, "localhost", Optional.of(TOKEN)), PipelineSettings.defaults(), metrics);
        client = new ApiClient(server.url(), TOKEN);
    }

    @AfterEach
    void stop() {
        server.close();
        metrics.close();
    }

    @Test
    void queriesBeforeTheStoresAreReadyAre503WithRetryAfter() {
        ApiClient.Answer answer = client.get("/api/v1/panic-rate", "vm", "pve1/104");
        assertThat(answer.status()).isEqualTo(503);
        assertThat(answer.header("Retry-After")).isEqualTo("5");
        assertThat(answer.body().path("error").asText()).contains("starting");

        ApiClient.Answer health = client.withToken(null).get("/health");
        assertThat(health.status()).isEqualTo(503);
        assertThat(health.body().path("status").asText()).isEqualTo("DOWN");
        assertThat(health.body().path("streamsState").asText()).isEqualTo("STARTING");
        assertThat(health.body().path("instance").asText()).isEqualTo("localhost:" + server.port());
    }

    @Test
    void healthSaysWhyTheAppStoppedAndWhatAReplacedThreadFailedOn() {
        // A real, never started Kafka Streams client: state CREATED, no broker contacted.
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("health-test-input");
        Properties props = new Properties();
        props.put("application.id", "health-test");
        props.put("bootstrap.servers", "127.0.0.1:1");
        try (KafkaStreams streams = new KafkaStreams(builder.build(), props)) {
            server.attach(streams, () -> Optional.of("stream thread failed 4 times within PT10M: lock hold"),
                    () -> Optional.of("ProcessorStateException: Error opening store"));

            ApiClient.Answer health = client.withToken(null).get("/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.body().path("streamsState").asText()).isEqualTo("CREATED");
            assertThat(health.body().path("stopReason").asText())
                    .isEqualTo("stream thread failed 4 times within PT10M: lock hold");
            assertThat(health.body().path("lastThreadFailure").asText())
                    .isEqualTo("ProcessorStateException: Error opening store");
        }
    }

    @Test
    void healthLeavesOutReasonsThereAreNone() {
        ApiClient.Answer health = client.withToken(null).get("/health");
        assertThat(health.body().has("stopReason")).isFalse();
        assertThat(health.body().has("lastThreadFailure")).isFalse();
    }

    @Test
    void badParametersAre400EvenBeforeTheStoresAreReady() {
        ApiClient.Answer unknown = client.get("/api/v1/panic-rate", "vm", "pve1/104", "spn", "PT1H");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.body().path("parameter").asText()).isEqualTo("spn");
        assertThat(client.get("/api/v1/panic-rates", "top", "many").body().path("parameter").asText())
                .isEqualTo("top");
        assertThat(client.get("/api/v1/remediation").body().path("error").asText())
                .isEqualTo("parameter 'vm' is required");
        assertThat(client.get("/api/v1/advice-outcome").body().path("error").asText())
                .isEqualTo("parameter 'vm' is required");
        assertThat(client.get("/api/v1/guest-state", "vm", "a", "span", "PT1H").body().path("parameter").asText())
                .isEqualTo("span");
        ApiClient.Answer status = client.get("/api/v1/advice-outcomes", "status", "CURED");
        assertThat(status.status()).isEqualTo(400);
        assertThat(status.body().path("parameter").asText()).isEqualTo("status");
        assertThat(status.body().path("error").asText()).contains("CURED").contains("EFFECTIVE");
    }

    @Test
    void theTokenGuardsTheApiAndMetricsButNotHealthOrTheDashboard() {
        ApiClient anonymous = client.withToken(null);
        ApiClient.Answer missing = anonymous.get("/api/v1/panic-rates");
        assertThat(missing.status()).isEqualTo(401);
        assertThat(missing.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(missing.body().path("error").asText()).contains("missing");
        assertThat(client.withToken("s3cre").get("/metrics").status()).isEqualTo(401);
        assertThat(client.withToken("s3cret-and-more").get("/api/v1/load", "vm", "a").status()).isEqualTo(401);

        assertThat(anonymous.get("/").status()).isEqualTo(200);
        assertThat(anonymous.get("/").response().body()).contains("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js");
        assertThat(anonymous.get("/webjars/uplot/1.6.30/dist/uPlot.iife.min.js").status()).isEqualTo(200);
        assertThat(anonymous.get("/dashboard.js").status()).isEqualTo(200);
    }

    @Test
    void theOpenApiDescriptionListsEveryEndpoint() {
        JsonNode openApi = client.withToken(null).get("/api/openapi.json").body();
        assertThat(openApi.path("openapi").asText()).isEqualTo("3.0.3");
        List<String> paths = new java.util.ArrayList<>();
        openApi.path("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths).containsExactlyInAnyOrder("/api/v1/panic-rate", "/api/v1/panic-rates",
                "/api/v1/remediation", "/api/v1/advice-outcome", "/api/v1/advice-outcomes", "/api/v1/guest-state",
                "/api/v1/at-risk",
                "/api/v1/load", "/health", "/metrics");
    }

    @Test
    void metricsCountWhatThePipelineReports() {
        String before = client.get("/metrics").response().body();
        // Registered at zero before anything happened, so dashboards see the series.
        assertThat(before).contains("panicwatch_panics_total{class=\"TLB_FLUSH_TIMEOUT\"} 0.0");
        assertThat(before).contains("panicwatch_remediations_total{action=\"RAISE_VTI\"} 0.0");

        metrics.panicCounted(PanicClass.TLB_FLUSH_TIMEOUT);
        metrics.panicCounted(PanicClass.TLB_FLUSH_TIMEOUT);
        metrics.remediationPublished(List.of(RemediationAction.RAISE_VTI, RemediationAction.REDUCE_HOST_LOAD));
        metrics.decidedWithoutLoadData(PanicClass.SPINLOCK_TIMEOUT);
        metrics.adviceOutcome(AdviceOutcomeStatus.APPLIED);
        metrics.deadLettered("deserialization", "panic-reports");

        String after = client.get("/metrics").response().body();
        assertThat(after).contains("panicwatch_panics_total{class=\"TLB_FLUSH_TIMEOUT\"} 2.0");
        assertThat(after).contains("panicwatch_remediations_total{action=\"RAISE_VTI\"} 1.0");
        assertThat(after).contains("panicwatch_remediations_total{action=\"REDUCE_HOST_LOAD\"} 1.0");
        assertThat(after).contains("panicwatch_remediations_total{action=\"INVESTIGATE\"} 0.0");
        assertThat(after).contains("panicwatch_decisions_without_load_total{class=\"SPINLOCK_TIMEOUT\"} 1.0");
        assertThat(after).contains("panicwatch_advice_outcomes_total{status=\"APPLIED\"} 1.0");
        assertThat(after).contains("panicwatch_advice_outcomes_total{status=\"EFFECTIVE\"} 0.0");
        assertThat(after).contains("panicwatch_dead_letters_total{stage=\"deserialization\",topic=\"panic-reports\"} 1.0");
    }
}
