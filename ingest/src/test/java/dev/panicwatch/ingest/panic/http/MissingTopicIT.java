package dev.panicwatch.ingest.panic.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

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
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * Issue 11, item 3: the receiver on a cluster without {@code panic-reports} (a broker of this test's own, no topics)
 * answers a good report 503 at once, naming the missing topic and how to create it, instead of after its
 * acknowledgement wait (20 s by default); once the topic exists, the same report is taken.
 */
@IntegrationTest
class MissingTopicIT {

    private static final String TOKEN = "missing-topic-token";

    @Test
    void aGoodReportGets503AtOnceNamingTheMissingTopicThen202OnceItExists(StackEndpoints shared, @TempDir Path dir)
            throws Exception {
        try (LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("data"), dir,
                Map.of("auto.create.topics.enable", "false"), Duration.ofSeconds(120))) {
            KafkaConnection connection = KafkaConnection.of(broker.bootstrapServers(), shared.schemaRegistryUrl());
            try (IdempotentPublisher producer = IdempotentPublisher.create(connection, Duration.ofSeconds(119));
                 PublishedLedger ledger = PublishedLedger.open(dir.resolve("state"));
                 TopicWatch watch = TopicWatch.start(connection, Topics.PANIC_REPORTS, Duration.ofHours(1))) {
                PanicReportIntake intake = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(120),
                        new PanicReportFactory(), new PanicReportPublisher(producer, ledger), Clock.systemUTC());
                intake.refuseWhile(watch::missingReason);
                try (PanicReportReceiver receiver = PanicReportReceiver.start("127.0.0.1", 0, intake)) {
                    URI uri = URI.create("http://127.0.0.1:" + receiver.port() + PanicReportReceiver.PATH);
                    byte[] report = SampleReports.tlbFlush(1, "keepsyms=1");

                    // "At once" without a stopwatch: the acknowledgement wait is 120 s and the client gives up after
                    // 30 s, so an answer at all means the receiver did not sit out the wait.
                    HttpResponse<String> refused = post(uri, report);
                    assertThat(refused.statusCode()).isEqualTo(503);
                    assertThat(refused.headers().firstValue("Retry-After")).hasValue("30");
                    assertThat(refused.body()).contains("no topic panic-reports", "./panicwatch streams creates");
                    // Bad input still gets its own answer, not the 503.
                    assertThat(post(uri, new byte[0]).statusCode()).isEqualTo(400);

                    TopicFixture.ensureTopics(connection.clientConfig());
                    watch.check();
                    assertThat(watch.missingReason()).isEmpty();
                    assertThat(post(uri, report).statusCode()).isEqualTo(202);
                }
            }
        }
    }

    private static HttpResponse<String> post(URI uri, byte[] body) throws IOException, InterruptedException {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TOKEN).header("X-Panicwatch-Vm-Id", "missing/1")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
