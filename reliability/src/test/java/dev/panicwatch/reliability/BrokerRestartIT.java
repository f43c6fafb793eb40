package dev.panicwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
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
import dev.panicwatch.localstack.LocalKafkaBroker;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The broker is stopped and started again (same ports, same data) while 8 senders keep posting reports to the HTTP
 * receiver, retrying on 503 as the guest agent does. Every report the receiver acknowledged — before the stop, sent
 * during the outage and taken after it, after the restart — must be in Kafka, and exactly once when it was taken at
 * the first try.
 */
@IntegrationTest
@Tag("reliability")
@Order(4)
class BrokerRestartIT {

    private static final String TOKEN = "restart-token";
    private static final int SENDERS = 8;
    private static final ObjectMapper JSON = new ObjectMapper();

    private enum Phase { BEFORE, DOWN, AFTER }

    /** One report's story: the phase of its first attempt, how many 503s it got, its reportId once taken. */
    private record Delivery(Phase firstSent, int refusals, String reportId) {
    }

    @Test
    void everyAcknowledgedReportIsInKafkaAfterTheBrokerRestarts(StackEndpoints shared, @TempDir Path dir)
            throws Exception {
        long started = System.nanoTime();
        int port = freePort();
        int controllerPort = freePort();
        String run = "restart-" + UUID.randomUUID().toString().substring(0, 8);
        AtomicReference<Phase> phase = new AtomicReference<>(Phase.BEFORE);
        List<Delivery> deliveries = new ArrayList<>();
        Set<Integer> unexpected = ConcurrentHashMap.newKeySet();

        LocalKafkaBroker broker = LocalKafkaBroker.start(dir.resolve("data"), dir, Map.of(), Duration.ofSeconds(120),
                port, controllerPort);
        // This broker for records, the shared registry for schemas (it is not restarted).
        KafkaConnection connection = KafkaConnection.of(broker.bootstrapServers(), shared.schemaRegistryUrl());
        try {
            TopicFixture.ensureTopics(connection.clientConfig());
            try (IdempotentPublisher producer = IdempotentPublisher.create(connection, Duration.ofSeconds(4));
                 PublishedLedger ledger = PublishedLedger.open(dir.resolve("state"))) {
                PanicReportIntake intake = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(6),
                        new PanicReportFactory(), new PanicReportPublisher(producer, ledger), Clock.systemUTC());
                try (PanicReportReceiver receiver = PanicReportReceiver.start("127.0.0.1", 0, intake)) {
                    URI uri = URI.create("http://127.0.0.1:" + receiver.port() + PanicReportReceiver.PATH);
                    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                    AtomicInteger next = new AtomicInteger();
                    ExecutorService senders = Executors.newFixedThreadPool(SENDERS);
                    List<Future<List<Delivery>>> sent = new ArrayList<>();
                    AtomicReference<Boolean> running = new AtomicReference<>(true);
                    for (int s = 0; s < SENDERS; s++) {
                        String vm = run + "/s" + s;
                        sent.add(senders.submit(() -> {
                            List<Delivery> mine = new ArrayList<>();
                            while (running.get()) {
                                byte[] report = SampleReports.tlbFlush(next.incrementAndGet(), "keepsyms=1");
                                Phase first = phase.get();
                                int refusals = 0;
                                while (true) { // the agent's loop: the same report until it is taken
                                    HttpResponse<String> answer = post(http, uri, vm, report);
                                    if (answer.statusCode() == 202) {
                                        mine.add(new Delivery(first, refusals,
                                                JSON.readTree(answer.body()).get("reportId").asText()));
                                        break;
                                    }
                                    if (answer.statusCode() != 503) {
                                        unexpected.add(answer.statusCode());
                                        break;
                                    }
                                    refusals++;
                                    Thread.sleep(500); // the agent honours Retry-After; a test compresses it
                                }
                            }
                            return mine;
                        }));
                    }

                    Thread.sleep(5_000); // the workload's schedule: 5 s up, 10 s down, 5 s up again
                    phase.set(Phase.DOWN);
                    broker.close();
                    System.out.printf("[restart] broker stopped at %s%n", broker.bootstrapServers());
                    Thread.sleep(10_000);
                    broker = LocalKafkaBroker.start(dir.resolve("data"), dir, Map.of(), Duration.ofSeconds(120),
                            port, controllerPort);
                    phase.set(Phase.AFTER);
                    System.out.printf("[restart] broker back at %s%n", broker.bootstrapServers());
                    Thread.sleep(5_000);
                    running.set(false);
                    senders.shutdown();
                    assertThat(senders.awaitTermination(120, TimeUnit.SECONDS)).as("senders finish").isTrue();
                    for (Future<List<Delivery>> f : sent) {
                        deliveries.addAll(f.get());
                    }
                }
            }
            assertThat(unexpected).as("statuses other than 202 and 503").isEmpty();

            Map<String, Long> inKafka = RawTopic.readValues(connection.clientConfig(), Topics.PANIC_REPORTS,
                            PanicReport.class, run + "/").stream()
                    .collect(Collectors.groupingBy(PanicReport::getReportId, Collectors.counting()));
            Map<Phase, Long> byPhase = deliveries.stream()
                    .collect(Collectors.groupingBy(Delivery::firstSent, Collectors.counting()));
            long refused = deliveries.stream().filter(d -> d.refusals() > 0).count();
            long twice = deliveries.stream().filter(d -> inKafka.getOrDefault(d.reportId(), 0L) > 1).count();

            assertThat(byPhase.getOrDefault(Phase.BEFORE, 0L)).as("reports taken before the stop").isPositive();
            assertThat(byPhase.getOrDefault(Phase.AFTER, 0L)).as("reports taken after the restart").isPositive();
            assertThat(refused).as("reports refused with 503 while the broker was down, then taken").isPositive();
            assertThat(inKafka.keySet()).as("nothing in Kafka that was not acknowledged")
                    .isEqualTo(deliveries.stream().map(Delivery::reportId).collect(Collectors.toSet()));
            for (Delivery d : deliveries) {
                if (d.refusals() == 0) {
                    assertThat(inKafka.get(d.reportId())).as("report %s taken at the first try", d.reportId())
                            .isEqualTo(1L);
                } else {
                    // A 503 means "not confirmed": that send may have reached Kafka (documented), so a second copy
                    // with the same reportId is allowed — the topology counts it once.
                    assertThat(inKafka.get(d.reportId())).as("report %s taken after %d 503s", d.reportId(),
                            d.refusals()).isBetween(1L, 2L);
                }
            }
            System.out.printf("[restart] %d reports acknowledged (%d first sent before the stop, %d during the "
                            + "outage, %d after), %d of them after 503s; all in Kafka, %d twice (after a 503); %d s%n",
                    deliveries.size(), byPhase.getOrDefault(Phase.BEFORE, 0L), byPhase.getOrDefault(Phase.DOWN, 0L),
                    byPhase.getOrDefault(Phase.AFTER, 0L), refused, twice,
                    Duration.ofNanos(System.nanoTime() - started).toSeconds());
        } finally {
            broker.close();
        }
    }

    private static HttpResponse<String> post(HttpClient http, URI uri, String vm, byte[] body)
            throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + TOKEN).header("X-Panicwatch-Vm-Id", vm)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
