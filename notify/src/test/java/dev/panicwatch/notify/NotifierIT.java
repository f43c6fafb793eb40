package dev.panicwatch.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;

import jakarta.mail.internet.MimeMessage;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.topology.PanicwatchSerdes;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The notifier against the real broker and registry, the tests' own HTTP server for the webhook kinds and GreenMail
 * for SMTP. Each test reads only its own host's advice (a host filter), so the tests share the topic safely.
 */
@IntegrationTest
class NotifierIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String run = "it-" + UUID.randomUUID().toString().substring(0, 8);
    private RecordingHttpServer http;
    private GreenMail mail;
    private Notifier notifier;

    @BeforeEach
    void servers() throws Exception {
        http = new RecordingHttpServer();
        mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
        mail.start();
    }

    @AfterEach
    void stop() {
        if (notifier != null) {
            notifier.close();
        }
        http.close();
        mail.stop();
    }

    @Test
    void everyTargetGetsEachAdviceOnceWithTheBootArgs(StackEndpoints stack) throws Exception {
        String host = run + "-pve1";
        notifier = start(stack, """
                targets:
                  - {name: hook, type: webhook, url: '%1$s', token: hook-secret}
                  - {name: chat, type: slack, url: '%2$s'}
                  - {name: push, type: ntfy, url: '%3$s'}
                  - {name: phone, type: gotify, url: '%4$s', token: gotify-app}
                  - name: mail
                    type: smtp
                    smtp: {host: 127.0.0.1, port: %5$d, security: none, from: panicwatch@example.org,
                           to: [ops@example.org]}
                """.formatted(http.url("/hook"), http.url("/chat"), http.url("/ntfy/vms"), http.url("/gotify/"),
                mail.getSmtp().getPort()), host);
        Map<TopicPartition, Long> ends = produce(stack, Advice.raiseVti(run + "/101", host),
                Advice.investigate(run + "/102", host),
                Advice.raiseVti(run + "/999", run + "-other-host")); // filtered out by every target

        awaitCommitted(stack, ends);
        // Committed means every target settled both events; nothing more is on its way.
        assertThat(http.requests("/hook")).hasSize(2);
        assertThat(http.requests("/chat")).hasSize(2);
        assertThat(http.requests("/ntfy/vms")).hasSize(2);
        assertThat(http.requests("/gotify/message")).hasSize(2);
        assertThat(mail.getReceivedMessages()).hasSize(2);

        RecordingHttpServer.Request hook = byVm(http.requests("/hook"), run + "/101");
        assertThat(hook.header("Authorization")).isEqualTo("Bearer hook-secret");
        assertThat(hook.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = JSON.readTree(hook.body());
        assertThat(body.path("title").asText()).isEqualTo("Panicwatch: TLB_FLUSH_TIMEOUT on VM " + run + "/101 (host "
                + host + ")");
        assertThat(body.path("text").asText()).contains("Boot-args:     keepsyms=1 tlbto_us=0 vti=9");
        assertThat(body.path("event").path("suggestedBootArgs").asText()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(body.path("event").path("actions").toString())
                .isEqualTo("[\"RAISE_VTI\",\"DISABLE_TLB_TIMEOUT\",\"REDUCE_HOST_LOAD\"]");
        assertThat(body.path("dashboard").asText()).isEqualTo("http://localhost:8080/");

        String chat = JSON.readTree(byVm(http.requests("/chat"), run + "/101").body()).path("text").asText();
        assertThat(chat).startsWith("Panicwatch: TLB_FLUSH_TIMEOUT on VM " + run + "/101").contains("vti=9");

        RecordingHttpServer.Request push = byVm(http.requests("/ntfy/vms"), run + "/102");
        assertThat(push.header("Title")).isEqualTo("Panicwatch: TLB_FLUSH_TIMEOUT on VM " + run + "/102 (host " + host
                + ")");
        assertThat(push.body()).contains("Boot-args:     no change (raising vti would not help here)");
        assertThat(push.header("Click")).isEqualTo("http://localhost:8080/");

        RecordingHttpServer.Request phone = byVm(http.requests("/gotify/message"), run + "/101");
        assertThat(phone.header("X-Gotify-Key")).isEqualTo("gotify-app");
        assertThat(JSON.readTree(phone.body()).path("message").asText()).contains("keepsyms=1 tlbto_us=0 vti=9");

        MimeMessage first = List.of(mail.getReceivedMessages()).stream()
                .filter(m -> subject(m).contains(run + "/101")).findFirst().orElseThrow();
        assertThat(first.getAllRecipients()[0].toString()).isEqualTo("ops@example.org");
        assertThat(first.getFrom()[0].toString()).isEqualTo("panicwatch@example.org");
        assertThat(first.getContent().toString()).contains("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(first.getHeader("X-Panicwatch-Remediation-Id")[0]).isEqualTo("rem-" + run + "/101");

        String metrics = scrape(notifier);
        assertThat(metrics).contains("panicwatch_notify_deliveries_total{outcome=\"delivered\",target=\"mail\"} 2.0");
        assertThat(metrics).contains("panicwatch_notify_deliveries_total{outcome=\"filtered\",target=\"hook\"} 1.0");
    }

    @Test
    void retriesAndSlowOrDeadTargetsNeitherLoseNorFloodNorHoldUpTheOthers(StackEndpoints stack) throws Exception {
        String host = run + "-pve2";
        CountDownLatch release = new CountDownLatch(1);
        http.script("/flaky", RecordingHttpServer.Answer.status(500));
        http.script("/busy", new RecordingHttpServer.Answer(429, Map.of("Retry-After", "2"), null));
        http.script("/held", new RecordingHttpServer.Answer(200, Map.of(), release));
        http.script("/refusing", RecordingHttpServer.Answer.status(404));
        for (int i = 0; i < 10; i++) {
            http.script("/down", RecordingHttpServer.Answer.status(503));
        }
        notifier = start(stack, """
                retry: {attempts: 3, initialBackoff: PT0.2S, maxBackoff: PT5S, requestTimeout: PT30S}
                targets:
                  - {name: fast, type: webhook, url: '%s'}
                  - {name: flaky, type: webhook, url: '%s'}
                  - {name: busy, type: webhook, url: '%s'}
                  - {name: held, type: webhook, url: '%s'}
                  - {name: refusing, type: webhook, url: '%s'}
                  - {name: down, type: webhook, url: '%s'}
                """.formatted(http.url("/fast"), http.url("/flaky"), http.url("/busy"), http.url("/held"),
                http.url("/refusing"), http.url("/down")), host);
        Map<TopicPartition, Long> ends = produce(stack, Advice.raiseVti(run + "/201", host));

        // The held target has the event in hand and answers nothing yet; the others are not kept waiting by it.
        await("the other targets settle while one is held").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            assertThat(http.requests("/fast")).hasSize(1);
            assertThat(http.requests("/flaky")).hasSize(2);   // 500, then 200
            assertThat(http.requests("/busy")).hasSize(2);    // 429 + Retry-After, then 200
            assertThat(http.requests("/refusing")).hasSize(1); // 404: trying again cannot help
            assertThat(http.requests("/down")).hasSize(3);    // 503 three times: given up
            assertThat(http.requests("/held")).hasSize(1);
        });
        List<RecordingHttpServer.Request> busy = http.requests("/busy");
        assertThat(Duration.between(busy.get(0).at(), busy.get(1).at())).as("Retry-After: 2 was honoured")
                .isGreaterThanOrEqualTo(Duration.ofMillis(1900));
        assertThat(committed(stack, ends.keySet())).as("nothing committed while a target still holds the event")
                .allSatisfy((p, offset) -> assertThat(offset).isLessThan(ends.get(p)));
        String failing = scrape(notifier);
        assertThat(failing).contains("panicwatch_notify_target_failing{target=\"down\"} 1.0");
        assertThat(failing).contains("panicwatch_notify_target_failing{target=\"flaky\"} 0.0");
        assertThat(failing).contains("panicwatch_notify_deliveries_total{outcome=\"given_up\",target=\"down\"} 1.0");
        assertThat(failing).contains("panicwatch_notify_deliveries_total{outcome=\"given_up\",target=\"refusing\"} 1.0");
        assertThat(failing).contains("panicwatch_notify_failed_tries_total{target=\"down\"} 3.0");
        assertThat(failing).contains("panicwatch_notify_in_flight 1.0");

        release.countDown();
        awaitCommitted(stack, ends);
        assertThat(http.requests("/held")).as("taken once, not sent again").hasSize(1);
        assertThat(http.requests("/fast")).hasSize(1);
        assertThat(scrape(notifier)).contains("panicwatch_notify_in_flight 0.0");
    }

    @Test
    void anUnreadableRecordIsSkippedAndTheGoodOnesAroundItAreSent(StackEndpoints stack) throws Exception {
        String host = run + "-pve3";
        notifier = start(stack, "targets:\n  - {name: hook, type: webhook, url: '" + http.url("/hook") + "'}\n", host);
        // All three on one key, so one partition, in this order.
        String key = run + "/301";
        Map<String, Object> config = stack.clientConfig();
        try (KafkaProducer<String, RemediationEvent> good = new KafkaProducer<>(config, new StringSerializer(),
                PanicwatchSerdes.fromConfig(config).remediations().serializer());
             KafkaProducer<String, byte[]> bad = new KafkaProducer<>(config, new StringSerializer(),
                     new ByteArraySerializer())) {
            ensureTopic(stack);
            RemediationEvent before = Advice.raiseVti(key, host);
            RemediationEvent after = Advice.investigate(key, host);
            good.send(new ProducerRecord<>(Topics.REMEDIATIONS, key, before)).get();
            bad.send(new ProducerRecord<>(Topics.REMEDIATIONS, key, "not avro".getBytes())).get();
            good.send(new ProducerRecord<>(Topics.REMEDIATIONS, key, after)).get();
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> http.requests("/hook").size() == 2);
        assertThat(http.requests("/hook").stream().map(r -> field(r, "remediationId")).toList())
                .containsExactly("rem-" + key, "rem-investigate-" + key);
        assertThat(scrape(notifier)).contains("panicwatch_notify_unreadable_records_total 1.0");
    }

    @Test
    void anEventNotTakenBeforeAStopIsSentAgainByTheNextRun(StackEndpoints stack) throws Exception {
        String host = run + "-pve4";
        CountDownLatch release = new CountDownLatch(1);
        http.script("/held", new RecordingHttpServer.Answer(200, Map.of(), release));
        String targets = """
                retry: {attempts: 5, initialBackoff: PT30S, maxBackoff: PT30S, requestTimeout: PT2S}
                targets:
                  - {name: fast, type: webhook, url: '%s'}
                  - {name: held, type: webhook, url: '%s'}
                """.formatted(http.url("/fast"), http.url("/held"));
        notifier = start(stack, targets, host);
        Map<TopicPartition, Long> ends = produce(stack, Advice.raiseVti(run + "/401", host));
        // The held target's first try times out after 2 s; its next try would be 30 s later. Stop before it.
        await().atMost(Duration.ofSeconds(60)).until(() -> http.requests("/fast").size() == 1
                && scrape(notifier).contains("panicwatch_notify_failed_tries_total{target=\"held\"} 1.0"));
        notifier.close();
        release.countDown();
        assertThat(committed(stack, ends.keySet())).as("the held event's offset was not committed")
                .allSatisfy((p, offset) -> assertThat(offset).isLessThan(ends.get(p)));

        notifier = start(stack, targets, host);
        awaitCommitted(stack, ends);
        assertThat(http.requests("/held")).as("tried once before the stop, taken after it").hasSize(2);
        // At least once is per event, not per target: the target that had taken it gets it again too.
        assertThat(http.requests("/fast")).hasSize(2);
    }

    private Notifier start(StackEndpoints stack, String targets, String host) {
        // Every target of the test reads only its host; the group is the test's own, from the topic's start.
        groupName = run + "-" + host;
        String yaml = "groupId: " + groupName + "\nstartFrom: earliest\nmetrics: {bind: 127.0.0.1, port: 0}\n"
                + targets;
        String filtered = yaml.replaceAll("(?m)^(  - \\{name: [^,]+, type: [a-z]+)", "$1, filter: {hosts: [" + host
                + "]}");
        filtered = filtered.replaceAll("(?m)^(  - name: (\\S+)\\n    type: smtp)",
                "$1\n    filter: {hosts: [" + host + "]}");
        NotifierConfig config = NotifierConfig.parse("it.yml", filtered, Map.of());
        assertThat(config.targets()).allSatisfy(t -> assertThat(t.filter().hosts()).containsExactly(host));
        return Notifier.start(config, new KafkaConnection(stack.clientConfig()));
    }

    private static Map<TopicPartition, Long> produce(StackEndpoints stack, RemediationEvent... events)
            throws Exception {
        ensureTopic(stack);
        Map<String, Object> config = stack.clientConfig();
        Map<TopicPartition, Long> ends = new HashMap<>();
        try (KafkaProducer<String, RemediationEvent> producer = new KafkaProducer<>(config, new StringSerializer(),
                PanicwatchSerdes.fromConfig(config).remediations().serializer())) {
            for (RemediationEvent event : events) {
                RecordMetadata sent = producer.send(new ProducerRecord<>(Topics.REMEDIATIONS, event.getVmId(), event))
                        .get();
                ends.merge(new TopicPartition(sent.topic(), sent.partition()), sent.offset() + 1, Math::max);
            }
        }
        return ends;
    }

    private static void ensureTopic(StackEndpoints stack) throws InterruptedException {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            admin.createTopics(List.of(new NewTopic(Topics.REMEDIATIONS, 3, (short) 1))).all().get();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    private void awaitCommitted(StackEndpoints stack, Map<TopicPartition, Long> ends) {
        await("offsets committed up to the produced events").atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                assertThat(committed(stack, ends.keySet())).allSatisfy((p, offset) ->
                        assertThat(offset).isGreaterThanOrEqualTo(ends.get(p))));
    }

    private Map<TopicPartition, Long> committed(StackEndpoints stack, java.util.Set<TopicPartition> partitions)
            throws Exception {
        String group = notifierGroup();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", stack.bootstrapServers()))) {
            Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata().get();
            Map<TopicPartition, Long> out = new HashMap<>();
            for (TopicPartition p : partitions) {
                OffsetAndMetadata o = offsets.get(p);
                out.put(p, o == null ? -1 : o.offset());
            }
            return out;
        }
    }

    private String groupName;

    private String notifierGroup() {
        return groupName;
    }

    private static String scrape(Notifier notifier) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + notifier.metricsPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    private static RecordingHttpServer.Request byVm(List<RecordingHttpServer.Request> requests, String vm) {
        return requests.stream().filter(r -> r.body().contains(vm)).findFirst().orElseThrow();
    }

    private static String field(RecordingHttpServer.Request request, String name) {
        try {
            return JSON.readTree(request.body()).path("event").path(name).asText();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String subject(MimeMessage message) {
        try {
            return message.getSubject();
        } catch (jakarta.mail.MessagingException e) {
            throw new AssertionError(e);
        }
    }
}
