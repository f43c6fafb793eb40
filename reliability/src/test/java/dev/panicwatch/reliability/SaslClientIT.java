package dev.panicwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.localstack.LocalKafkaBroker;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.RemediationAction;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.kafka.ClientSettings;
import dev.panicwatch.streams.app.PanicwatchApp;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The Kafka clients take SASL settings from the environment ({@code KAFKA_SECURITY_PROTOCOL}, {@code
 * KAFKA_SASL_MECHANISM}, {@code KAFKA_SASL_JAAS_CONFIG}) and nothing else: against a broker of this test's own with a
 * SASL_PLAINTEXT (PLAIN) listener, the collectors' publisher and the streams app work end to end with the right
 * password, and a wrong one is refused with Kafka's authentication error — the publisher's future fails with it, and
 * {@code panicwatch streams} exits saying so instead of hanging.
 */
@IntegrationTest
@Tag("reliability")
@Order(3)
class SaslClientIT {

    private static final String USER = "panicwatch";
    private static final String PASSWORD = "pw-" + UUID.randomUUID();

    @Test
    void clientsAuthenticateFromTheEnvironmentAndAWrongPasswordIsRefused(StackEndpoints shared, @TempDir Path dir)
            throws Exception {
        long started = System.nanoTime();
        int plain = BrokerRestartIT.freePort();
        int controller = BrokerRestartIT.freePort();
        int sasl = BrokerRestartIT.freePort();
        // PLAINTEXT stays for the broker's own readiness check and this test's reads; clients under test use SASL.
        Map<String, String> server = Map.of(
                "listeners", "PLAINTEXT://127.0.0.1:" + plain + ",CONTROLLER://127.0.0.1:" + controller
                        + ",SASL_PLAINTEXT://127.0.0.1:" + sasl,
                "advertised.listeners", "PLAINTEXT://127.0.0.1:" + plain + ",SASL_PLAINTEXT://127.0.0.1:" + sasl,
                "listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                "sasl.enabled.mechanisms", "PLAIN",
                "listener.name.sasl_plaintext.plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required user_" + USER + "=\"" + PASSWORD + "\";");
        String run = "sasl-" + UUID.randomUUID().toString().substring(0, 8);
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("data"), dir, server, Duration.ofSeconds(120),
                plain, controller)) {
            Map<String, String> env = saslEnvironment(sasl, shared.schemaRegistryUrl(), PASSWORD);
            Map<String, Object> plaintextReads = Map.of("bootstrap.servers", broker.bootstrapServers(),
                    "schema.registry.url", shared.schemaRegistryUrl());

            // The streams app over SASL (it creates the topics through its admin client, so that is covered too).
            Map<String, Object> streamsConfig = new HashMap<>(ClientSettings.fromEnvironment(env));
            streamsConfig.put(StreamsConfig.APPLICATION_ID_CONFIG, "panicwatch-reliability-" + run);
            streamsConfig.put(StreamsConfig.STATE_DIR_CONFIG, dir.resolve("state").toString());
            PipelineSettings settings = PipelineSettings.from(Map.of(), Map.of(
                    "PANICWATCH_GRACE", "PT5S", "PANICWATCH_PUNCTUATION_INTERVAL", "PT1S"));
            try (PanicwatchApp app = PanicwatchApp.start(settings, streamsConfig);
                 IdempotentPublisher publisher = IdempotentPublisher.create(KafkaConnection.resolve(null, null, env),
                         Duration.ofSeconds(15))) {
                assertThat(app.awaitRunning(Duration.ofSeconds(90))).as("streams app RUNNING over SASL").isTrue();
                // One overloaded VM (110/32 → vti 6 → 9, as in the seed) published over SASL by the collectors' publisher.
                String vm = run + "/1";
                Instant panic = Instant.now().minus(Duration.ofMinutes(30)).truncatedTo(ChronoUnit.SECONDS);
                for (Duration at : List.of(Duration.ofMinutes(-5), Duration.ofMinutes(-1), Duration.ofSeconds(30))) {
                    HostLoadSample sample = HostLoadSample.newBuilder().setHostId(run).setVmId(vm)
                            .setSampleTime(panic.plus(at)).setIntervalMillis(10_000).setHostCpus(32).setLoad1(110.0)
                            .setLoad5(110.0).setLoad15(110.0).setVmVcpus(8).build();
                    publisher.publish(Topics.HOST_LOAD, vm, sample, panic.plus(at)).get(30, TimeUnit.SECONDS);
                }
                PanicReport report = SampleReports.published(SampleReports.seed("pve1-101-tlb-flush-timeout.panic"),
                        vm, panic);
                report.setReportId(run);
                report.setPanicTime(panic); // the file states its own date; this test says when it happened
                publisher.publish(Topics.PANIC_REPORTS, vm, report, panic).get(30, TimeUnit.SECONDS);

                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() ->
                        TopicFixture.readAll(plaintextReads, Topics.REMEDIATIONS, RemediationEvent.class).size() == 1);
                RemediationEvent advice = TopicFixture.readAll(plaintextReads, Topics.REMEDIATIONS,
                        RemediationEvent.class).stream().map(ConsumerRecord::value).findFirst().orElseThrow();
                assertThat(advice.getVmId()).isEqualTo(vm);
                assertThat(advice.getActions()).contains(RemediationAction.RAISE_VTI);
                assertThat(advice.getSuggestedVti()).isEqualTo(9);
            }

            // A wrong password: the publisher's future fails with Kafka's authentication error.
            Map<String, String> wrong = saslEnvironment(sasl, shared.schemaRegistryUrl(), PASSWORD + "-wrong");
            try (IdempotentPublisher publisher = IdempotentPublisher.create(KafkaConnection.resolve(null, null, wrong),
                    Duration.ofSeconds(10))) {
                PanicReport report = SampleReports.published(SampleReports.tlbFlush(1, "keepsyms=1"), run + "/2",
                        Instant.now());
                assertThatThrownBy(() -> publisher.publish(Topics.PANIC_REPORTS, run + "/2", report, Instant.now())
                        .join())
                        .isInstanceOf(CompletionException.class)
                        .hasRootCauseInstanceOf(SaslAuthenticationException.class)
                        .rootCause().hasMessageContaining("Authentication failed");
            }

            // And the streams command: it must stop with a message naming the failure, not hang or run unauthenticated.
            Map<String, String> childEnv = new HashMap<>(wrong);
            childEnv.put("KAFKA_APPLICATION_ID", "panicwatch-reliability-" + run + "-wrong");
            childEnv.put("KAFKA_STATE_DIR", dir.resolve("state-wrong").toString());
            try (PanicwatchProcess streams = PanicwatchProcess.start(List.of("-Xmx256m"),
                    List.of("streams", "--api-port", "0"), childEnv, dir.resolve("streams-wrong.log"))) {
                await().atMost(Duration.ofSeconds(90)).until(() -> !streams.isAlive());
                assertThat(streams.exitValue()).as("exit status").isNotZero();
                assertThat(streams.log()).contains("panicwatch streams: cannot start")
                        .contains("Authentication failed");
            }
        }
        System.out.printf("[sasl] SASL_PLAINTEXT/PLAIN from KAFKA_* env: publisher + streams app → 1 remediation "
                        + "(vti 9); wrong password → SaslAuthenticationException, streams exits non-zero; %d s%n",
                Duration.ofNanos(System.nanoTime() - started).toSeconds());
    }

    private static Map<String, String> saslEnvironment(int port, String registry, String password) {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:" + port, "SCHEMA_REGISTRY_URL", registry,
                "KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT", "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required "
                        + "username=\"" + USER + "\" password=\"" + password + "\";");
    }
}
