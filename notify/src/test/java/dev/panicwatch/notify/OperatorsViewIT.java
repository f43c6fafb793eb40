package dev.panicwatch.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.yaml.snakeyaml.Yaml;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;

import jakarta.mail.internet.MimeMessage;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.replay.BundledScenarios;
import dev.panicwatch.ingest.replay.ScenarioReplayer;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSetting;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.app.ServedApp;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * What an operator sees, end to end: the bundled seed scenario replayed through the real streams app (as the demo
 * does), its advice arriving at a webhook and in a mailbox once each, and every metric that the alert rules and the
 * Grafana dashboard under deploy/ use exported by the running streams app or notifier.
 */
@IntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OperatorsViewIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The seed's VMs (ingest/src/main/resources/scenarios/seed): four timeout panics get advice. */
    private static final Set<String> SEED_VMS = Set.of("pve1/101", "pve1/102", "pve1/103", "pve2/201");
    /** Project metrics are named panicwatch_*, Kafka's (through Micrometer) kafka_*; `up` is Prometheus' own. */
    private static final Pattern METRIC = Pattern.compile("\\b((?:panicwatch|kafka)_[a-z0-9_]+)\\b");

    private final Path work = Path.of("target", "operators-view-" + UUID.randomUUID());
    private RecordingHttpServer http;
    private GreenMail mail;
    private ServedApp app;
    private Notifier notifier;

    @BeforeAll
    void pipelineWithNotifier(StackEndpoints stack) throws Exception {
        http = new RecordingHttpServer();
        mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        mail.start();
        PipelineSettings settings = PipelineSettings.from(Map.of(PipelineSetting.GRACE.property(), "PT5S",
                PipelineSetting.PUNCTUATION_INTERVAL.property(), "PT1S"), Map.of());
        Map<String, Object> kafka = new HashMap<>(stack.clientConfig());
        kafka.put("application.id", "operators-view-" + UUID.randomUUID());
        kafka.put("state.dir", work.resolve("state").toAbsolutePath().toString());
        app = ServedApp.start(settings, kafka, new QueryApiSettings(0, "localhost", Optional.empty()));
        assertThat(app.app().awaitRunning(Duration.ofSeconds(120))).as("streams app RUNNING").isTrue();

        NotifierConfig config = NotifierConfig.parse("operators.yml", """
                groupId: operators-view-%s
                startFrom: earliest
                dashboardUrl: http://grafana.example/d/panicwatch?var-vm={vm}
                metrics: {bind: 127.0.0.1, port: 0}
                targets:
                  - {name: hook, type: webhook, url: '%s', filter: {hosts: [pve1, pve2]}}
                  - name: mail
                    type: smtp
                    filter: {hosts: [pve1, pve2]}
                    smtp: {host: 127.0.0.1, port: %d, security: none, from: panicwatch@example.org, to: [ops@example.org]}
                """.formatted(UUID.randomUUID(), http.url("/hook"), mail.getSmtp().getPort()), Map.of());
        notifier = Notifier.start(config, new KafkaConnection(stack.clientConfig()));

        PanicReportFactory factory = new PanicReportFactory();
        try (IdempotentPublisher publisher = IdempotentPublisher.create(
                KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()))) {
            new ScenarioReplayer(factory, Clock.systemUTC(), line -> { })
                    .replay(BundledScenarios.extract(BundledScenarios.SEED, work.resolve("seed")), false, publisher);
        }
        // One poison record, so the dead-letter counter the rules use exists (it is registered on first use).
        Map<String, Object> config2 = stack.clientConfig();
        try (KafkaProducer<String, byte[]> bad = new KafkaProducer<>(config2, new StringSerializer(),
                new ByteArraySerializer())) {
            bad.send(new ProducerRecord<>(Topics.PANIC_REPORTS, "pve9/999", "garbage".getBytes())).get();
        }
    }

    @AfterAll
    void stopAll() throws IOException {
        if (notifier != null) {
            notifier.close();
        }
        if (app != null) {
            app.close();
        }
        http.close();
        mail.stop();
    }

    @Test
    void replayedAdviceReachesTheWebhookAndTheMailboxOnceEach() throws Exception {
        await("the seed's four advice at both targets").atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
            assertThat(http.requests("/hook")).hasSize(4);
            assertThat(mail.getReceivedMessages()).hasSize(4);
        });
        Map<String, JsonNode> byVm = new HashMap<>();
        for (RecordingHttpServer.Request request : http.requests("/hook")) {
            JsonNode body = JSON.readTree(request.body());
            assertThat(byVm.put(body.path("event").path("vmId").asText(), body)).as("one message per VM").isNull();
        }
        assertThat(byVm.keySet()).isEqualTo(SEED_VMS);
        JsonNode first = byVm.get("pve1/101");
        assertThat(first.path("text").asText()).contains("Boot-args:     keepsyms=1 tlbto_us=0 vti=9")
                .contains("Dashboard:     http://grafana.example/d/panicwatch?var-vm=pve1%2F101");
        assertThat(byVm.get("pve2/201").path("event").path("actions").toString()).isEqualTo("[\"INVESTIGATE\"]");

        List<String> subjects = new ArrayList<>();
        for (MimeMessage message : mail.getReceivedMessages()) {
            subjects.add(message.getSubject());
            if (message.getSubject().contains("pve1/101")) {
                assertThat(message.getContent().toString()).contains("keepsyms=1 tlbto_us=0 vti=9");
            }
        }
        assertThat(subjects).containsExactlyInAnyOrder(
                "Panicwatch: TLB_FLUSH_TIMEOUT on VM pve1/101 (host pve1)",
                "Panicwatch: TLB_FLUSH_TIMEOUT on VM pve1/102 (host pve1)",
                "Panicwatch: SPINLOCK_TIMEOUT on VM pve1/103 (host pve1)",
                "Panicwatch: " + byVm.get("pve2/201").path("event").path("panicClass").asText()
                        + " on VM pve2/201 (host pve2)");
        await("every offset settled").atMost(Duration.ofSeconds(30))
                .until(() -> scrape(notifierUrl()).contains("panicwatch_notify_in_flight 0.0"));
        assertThat(http.requests("/hook")).as("not sent twice").hasSize(4);
        assertThat(mail.getReceivedMessages()).hasSize(4);
    }

    @Test
    void everyMetricTheRulesAndTheDashboardUseIsExported() throws Exception {
        Set<String> used = new TreeSet<>();
        used.addAll(ruleMetrics(Path.of("..", "deploy", "prometheus", "panicwatch-rules.yml")));
        used.addAll(dashboardMetrics(Path.of("..", "deploy", "grafana", "panicwatch.json")));
        assertThat(used).as("the files were read").contains("panicwatch_panics_total",
                "panicwatch_notify_target_failing", "kafka_consumer_fetch_manager_records_lag_max");

        await("every used metric exported by the running app or notifier").atMost(Duration.ofMinutes(2))
                .untilAsserted(() -> {
                    Set<String> exported = exportedNames(scrape(app.url() + "/metrics"));
                    exported.addAll(exportedNames(scrape(notifierUrl())));
                    assertThat(exported).containsAll(used);
                });
    }

    @SuppressWarnings("unchecked")
    private static Set<String> ruleMetrics(Path file) throws IOException {
        Map<String, Object> rules = new Yaml().load(Files.readString(file));
        Set<String> names = new TreeSet<>();
        for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
            for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                Map<String, String> annotations = (Map<String, String>) rule.get("annotations");
                assertThat(annotations).as("rule %s says what it means and what to do", rule.get("alert"))
                        .containsKeys("summary", "description");
                names.addAll(metrics(rule.get("expr").toString()));
            }
        }
        return names;
    }

    private static Set<String> dashboardMetrics(Path file) throws IOException {
        JsonNode dashboard = JSON.readTree(file.toFile());
        assertThat(dashboard.path("templating").path("list").findValuesAsText("type")).as("a datasource variable")
                .contains("datasource");
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard.path("panels")) {
            assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${datasource}");
            for (JsonNode target : panel.path("targets")) {
                names.addAll(metrics(target.path("expr").asText()));
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            names.addAll(metrics(variable.path("definition").asText()));
        }
        return names;
    }

    private static Set<String> metrics(String expression) {
        Set<String> names = new TreeSet<>();
        Matcher m = METRIC.matcher(expression);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    private static Set<String> exportedNames(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                names.add(line.split("[{ ]", 2)[0]);
            }
        }
        return names;
    }

    private String notifierUrl() {
        return "http://127.0.0.1:" + notifier.metricsPort() + "/metrics";
    }

    private static String scrape(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
