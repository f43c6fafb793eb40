package dev.panicwatch.ingest.panic.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.localstack.LocalKafkaBroker;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The receiver while Kafka is unreachable: a broker of this test's own is frozen (SIGSTOP, as a hung or partitioned
 * broker looks to a client) and thawed again. A report acknowledged before the outage stays in Kafka, a report sent
 * during it gets 503 with Retry-After, and the sender's retry after the outage is acknowledged and in Kafka.
 */
@IntegrationTest
class KafkaOutageIT {

    private static final String TOKEN = "outage-token";

    @Test
    void nothingAcknowledgedIsLostAndTheRetryGetsThrough(StackEndpoints shared, @TempDir Path dir) throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("data"), dir, Map.of(),
                Duration.ofSeconds(120))) {
            // This broker for records, the shared registry for schemas.
            KafkaConnection connection = KafkaConnection.of(broker.bootstrapServers(), shared.schemaRegistryUrl());
            TopicFixture.ensureTopics(connection.clientConfig());
            try (IdempotentPublisher producer = IdempotentPublisher.create(connection, Duration.ofSeconds(4));
                 PublishedLedger ledger = PublishedLedger.open(dir.resolve("state"))) {
                PanicReportIntake intake = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(6),
                        new PanicReportFactory(), new PanicReportPublisher(producer, ledger), Clock.systemUTC());
                try (PanicReportReceiver receiver = PanicReportReceiver.start("127.0.0.1", 0, intake)) {
                    URI uri = URI.create("http://127.0.0.1:" + receiver.port() + PanicReportReceiver.PATH);
                    byte[] before = SampleReports.tlbFlush(1, "keepsyms=1");
                    byte[] during = SampleReports.tlbFlush(2, "keepsyms=1");

                    assertThat(post(uri, before).statusCode()).isEqualTo(202);

                    signal("STOP", broker.pid());
                    HttpResponse<String> refused;
                    try {
                        refused = post(uri, during);
                    } finally {
                        signal("CONT", broker.pid());
                    }
                    assertThat(refused.statusCode()).isEqualTo(503);
                    assertThat(refused.headers().firstValue("Retry-After")).hasValue("30");
                    assertThat(refused.body()).contains("Kafka did not acknowledge the report");
                    assertThat(ledger.contains("outage/1", PanicReportFactory.reportId(during))).isFalse();

                    // The sender retries, as the guest agent does, until the receiver takes it.
                    AtomicReference<HttpResponse<String>> accepted = new AtomicReference<>();
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                        accepted.set(post(uri, during));
                        return accepted.get().statusCode() == 202;
                    });
                    assertThat(accepted.get().body()).contains(PanicReportFactory.reportId(during));
                }
            }
            List<String> ids = TopicFixture.readAll(connection.clientConfig(), Topics.PANIC_REPORTS, PanicReport.class)
                    .stream().map(ConsumerRecord::value).map(PanicReport::getReportId).toList();
            // The report acknowledged before the outage is there exactly once; the one from the outage is there
            // (a second copy is possible: the frozen broker may still have taken the timed-out write).
            assertThat(ids).containsOnlyOnce(PanicReportFactory.reportId(SampleReports.tlbFlush(1, "keepsyms=1")));
            assertThat(ids).contains(PanicReportFactory.reportId(SampleReports.tlbFlush(2, "keepsyms=1")));
        }
    }

    private static HttpResponse<String> post(URI uri, byte[] body) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TOKEN).header("X-Panicwatch-Vm-Id", "outage/1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Freezes or thaws the broker this test started. */
    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).as("kill -%s %d", signal, pid).isZero();
    }
}
