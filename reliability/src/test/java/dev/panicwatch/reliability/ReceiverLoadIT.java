package dev.panicwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * {@code panicwatch ingest http} as its own process under 200 concurrent connections for 30 s, half good reports,
 * half bad requests of every kind (missing and wrong tokens among them — the ingest side of the security bar). Each
 * request must get its documented status (503 being the only 5xx allowed, for good reports); every report answered
 * 202 must be in Kafka exactly once; the process's RSS must stay bounded.
 */
@IntegrationTest
@Tag("reliability")
@Order(5)
class ReceiverLoadIT {

    private static final String TOKEN = "load-token-" + UUID.randomUUID();
    private static final int CONNECTIONS = 200;
    private static final Duration LOAD = Duration.ofSeconds(30);
    private static final int MAX_BODY = 64 * 1024;
    private static final long RSS_LIMIT_MIB = 512;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A kind of request and the status it must get (GOOD may also get the documented 503). */
    private enum Kind {
        GOOD(202), RESENT(202), NO_TOKEN(401), WRONG_TOKEN(401), NOT_A_PANIC(422), EMPTY(400), BAD_UTF8(400),
        OVERSIZED(413), NO_VM(400);

        final int status;

        Kind(int status) {
            this.status = status;
        }
    }

    @Test
    void twoHundredConnectionsForThirtySeconds(StackEndpoints stack, @TempDir Path dir) throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        String run = "load-" + UUID.randomUUID().toString().substring(0, 8);
        int port = BrokerRestartIT.freePort();
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", stack.bootstrapServers(),
                "SCHEMA_REGISTRY_URL", stack.schemaRegistryUrl(), "PANICWATCH_INGEST_TOKEN", TOKEN);
        try (PanicwatchProcess receiver = PanicwatchProcess.start(List.of("-Xmx256m"),
                List.of("ingest", "http", "--bind", "127.0.0.1", "--port", Integer.toString(port),
                        "--max-body-bytes", Integer.toString(MAX_BODY), "--state-dir", dir.resolve("state").toString()),
                env, Path.of("target", "reliability-logs", run + "-receiver.log"))) {
            URI base = URI.create("http://127.0.0.1:" + port);
            ExecutorService pool = Executors.newFixedThreadPool(CONNECTIONS);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(10)).build();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> http.send(
                    HttpRequest.newBuilder(base.resolve("/health")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode() == 200);

            Map<Kind, LongAdder> sent = new ConcurrentHashMap<>();
            Map<Kind, Map<Integer, LongAdder>> statuses = new ConcurrentHashMap<>();
            ConcurrentLinkedQueue<String> mismatches = new ConcurrentLinkedQueue<>();
            Set<String> acknowledged = ConcurrentHashMap.newKeySet();
            Set<String> resentIds = ConcurrentHashMap.newKeySet();
            AtomicInteger reportNumber = new AtomicInteger();
            AtomicLong maxRss = new AtomicLong();
            List<Long> rssSamples = new ArrayList<>();
            long deadline = System.nanoTime() + LOAD.toNanos();
            CountDownLatch done = new CountDownLatch(CONNECTIONS);
            URI uri = base.resolve(PanicReportReceiver.PATH);

            for (int c = 0; c < CONNECTIONS; c++) {
                int connection = c;
                pool.execute(() -> {
                    String vm = run + "/c" + connection;
                    byte[] lastGood = null;
                    try {
                        for (int i = 0; System.nanoTime() < deadline; i++) {
                            // Every other request good; the bad ones cycle through all kinds of bad.
                            Kind kind = i % 2 == 0 ? Kind.GOOD : Kind.values()[1 + (i / 2 + connection) % 8];
                            if (kind == Kind.RESENT && lastGood == null) {
                                kind = Kind.NO_TOKEN;
                            }
                            byte[] good = kind == Kind.GOOD
                                    ? SampleReports.tlbFlush(reportNumber.incrementAndGet(), "keepsyms=1") : lastGood;
                            HttpResponse<String> answer = send(http, uri, kind, vm, good);
                            sent.computeIfAbsent(kind, k -> new LongAdder()).increment();
                            statuses.computeIfAbsent(kind, k -> new ConcurrentHashMap<>())
                                    .computeIfAbsent(answer.statusCode(), s -> new LongAdder()).increment();
                            boolean documented = answer.statusCode() == kind.status
                                    || (kind == Kind.GOOD || kind == Kind.RESENT) && answer.statusCode() == 503
                                    && answer.headers().firstValue("Retry-After").isPresent();
                            if (!documented) {
                                mismatches.add(kind + " got " + answer.statusCode() + ": " + answer.body());
                                continue;
                            }
                            if (answer.statusCode() == 202) {
                                JsonNode body = JSON.readTree(answer.body());
                                boolean duplicate = body.get("duplicate").asBoolean();
                                if (duplicate != (kind == Kind.RESENT)) {
                                    mismatches.add(kind + " answered duplicate=" + duplicate);
                                }
                                (kind == Kind.GOOD ? acknowledged : resentIds).add(body.get("reportId").asText());
                                if (kind == Kind.GOOD) {
                                    lastGood = good;
                                }
                            } else if (answer.statusCode() != 503 && !answer.body().contains("\"error\"")) {
                                mismatches.add(kind + " " + answer.statusCode() + " without an error: " + answer.body());
                            }
                        }
                    } catch (IOException | InterruptedException | RuntimeException e) {
                        mismatches.add("connection " + connection + " failed: " + e);
                    } finally {
                        done.countDown();
                    }
                });
            }
            // Memory: the receiver's RSS once a second while the load runs.
            while (!done.await(1, TimeUnit.SECONDS)) {
                long rss = receiver.rssMib();
                rssSamples.add(rss);
                maxRss.accumulateAndGet(rss, Math::max);
            }
            pool.shutdown();

            long total = sent.values().stream().mapToLong(LongAdder::sum).sum();
            System.out.printf("[load] %d requests over %d connections in %d s (%.0f/s); statuses by kind: %s%n", total,
                    CONNECTIONS, LOAD.toSeconds(), total / (double) LOAD.toSeconds(), describe(statuses));
            System.out.printf("[load] %d reports acknowledged; receiver RSS MiB: first %d, max %d, "
                            + "last %d (limit %d, -Xmx256m)%n", acknowledged.size(),
                    rssSamples.isEmpty() ? -1 : rssSamples.get(0), maxRss.get(),
                    rssSamples.isEmpty() ? -1 : rssSamples.get(rssSamples.size() - 1), RSS_LIMIT_MIB);

            Map<String, Long> inKafka = RawTopic.readValues(stack.clientConfig(), Topics.PANIC_REPORTS,
                            PanicReport.class, run + "/").stream()
                    .collect(Collectors.groupingBy(PanicReport::getReportId, Collectors.counting()));
            assertThat(mismatches).as("requests answered other than documented").isEmpty();
            for (Kind kind : Kind.values()) {
                assertThat(sent.get(kind)).as("%s requests sent", kind).isNotNull();
            }
            // Exactly once: the acknowledged reports, each once; nothing else of this run's (RESENT ones were
            // acknowledged as GOOD before and not sent again).
            System.out.printf("[load] in Kafka: %d distinct reports, %d records%n", inKafka.size(),
                    inKafka.values().stream().mapToLong(Long::longValue).sum());
            assertThat(inKafka.keySet()).isEqualTo(acknowledged);
            assertThat(inKafka.values()).containsOnly(1L);
            assertThat(acknowledged).containsAll(resentIds);
            assertThat(maxRss.get()).as("receiver RSS MiB").isLessThan(RSS_LIMIT_MIB);
            assertThat(receiver.isAlive()).isTrue();
        }
    }

    private static HttpResponse<String> send(HttpClient http, URI uri, Kind kind, String vm, byte[] good)
            throws IOException, InterruptedException {
        byte[] body = switch (kind) {
            case GOOD, RESENT, NO_TOKEN, WRONG_TOKEN, NO_VM -> good != null ? good
                    : SampleReports.tlbFlush(0, "keepsyms=1");
            case NOT_A_PANIC -> "just a log line, no panic here\n".getBytes(StandardCharsets.UTF_8);
            case EMPTY -> new byte[0];
            case BAD_UTF8 -> new byte[] {'p', 'a', 'n', 'i', 'c', '(', (byte) 0xc3, (byte) 0x28, ')'};
            case OVERSIZED -> oversized();
        };
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (kind != Kind.NO_TOKEN) {
            request.header("Authorization", "Bearer " + (kind == Kind.WRONG_TOKEN ? TOKEN + "x" : TOKEN));
        }
        if (kind != Kind.NO_VM) {
            request.header("X-Panicwatch-Vm-Id", vm);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static byte[] oversized() {
        byte[] body = new byte[MAX_BODY + 1024];
        Arrays.fill(body, (byte) 'x');
        return body;
    }

    private static String describe(Map<Kind, Map<Integer, LongAdder>> statuses) {
        return Arrays.stream(Kind.values()).filter(statuses::containsKey)
                .map(k -> k + "=" + statuses.get(k).entrySet().stream()
                        .map(e -> e.getKey() + "×" + e.getValue().sum()).collect(Collectors.joining("/")))
                .collect(Collectors.joining(", "));
    }
}
