package dev.panicwatch.ingest.panic.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import java.util.stream.Collectors;

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
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.SystemPart;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * The receiver's acceptance test: 1,000 mixed requests, sent concurrently, against the real broker and registry.
 * Every good report must be in Kafka exactly once, every bad request must get the 4xx that names its problem, and
 * the receiver must still answer afterwards.
 */
@IntegrationTest
class PanicReportReceiverIT {

    private static final String TOKEN = "it-token-" + UUID.randomUUID();
    private static final int LIMIT = 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StackEndpoints stack;
    private IdempotentPublisher producer;
    private PublishedLedger ledger;
    private PanicReportIntake intake;
    private static final SystemPart SS = new SystemPart("iproute2's ss (/usr/bin/ss or /bin/ss)",
            "apt-get install -y iproute2",
            () -> SystemPart.isExecutable("/usr/bin/ss") || SystemPart.isExecutable("/bin/ss"));

    private PanicReportReceiver receiver;
    // This run's VMs, so records of other tests (and earlier runs) in the shared topic are left out.
    private final String vmPrefix = "it-" + UUID.randomUUID().toString().substring(0, 8) + "/";

    PanicReportReceiverIT(StackEndpoints stack) {
        this.stack = stack;
    }

    @BeforeEach
    void start(@TempDir Path state) throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        producer = IdempotentPublisher.create(KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()),
                Duration.ofSeconds(15));
        ledger = PublishedLedger.open(state);
        intake = new PanicReportIntake(TOKEN, LIMIT, Duration.ofSeconds(20), new PanicReportFactory(),
                new PanicReportPublisher(producer, ledger), Clock.systemUTC());
        receiver = PanicReportReceiver.start("127.0.0.1", 0, intake);
    }

    @AfterEach
    void stop() throws Exception {
        receiver.close();
        producer.close();
        ledger.close();
    }

    /** One kind of request, the status it must get, and a phrase its error must contain. */
    enum Kind {
        GOOD(202, null), RESENT(202, null), TRUNCATED_IPS_WITH_PANIC(202, null),
        GARBAGE(422, "no panic in the report"), TRUNCATED_IPS_BEFORE_PANIC(422, "no panic in the report"),
        EMPTY(400, "empty body"), OVERSIZED(413, "report too large"), WRONG_TOKEN(401, "wrong bearer token"),
        NO_TOKEN(401, "missing bearer token"), BAD_UTF8(400, "not UTF-8"), NO_VM(400, "vmId is missing");

        final int status;
        final String phrase;

        Kind(int status, String phrase) {
            this.status = status;
            this.phrase = phrase;
        }
    }

    record Planned(int index, Kind kind, String vmId, String token, byte[] body, String goodReportId) {
    }

    /**
     * The accept queue is what keeps a boot storm's connections from being reset: with Jetty's default (the JVM's 50)
     * the 1,000 concurrent posts above overflowed it, and the kernel dropped handshakes. {@code ss} shows a listening
     * socket's backlog as its Send-Q.
     */
    @Test
    void listensWithAnAcceptQueueAFleetsBootStormFits() throws Exception {
        SS.require();
        Process ss = new ProcessBuilder("ss", "-ltnH", "sport = :" + receiver.port()).redirectErrorStream(true).start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(ss.waitFor()).as("ss: %s", out).isZero();
        String[] columns = out.split("\\s+");
        assertThat(columns).as("ss line: %s", out).hasSizeGreaterThan(3);
        // The kernel caps every backlog at somaxconn.
        int somaxconn = Integer.parseInt(Files.readAllLines(Path.of("/proc/sys/net/core/somaxconn")).get(0).trim());
        assertThat(Integer.parseInt(columns[2])).as("backlog of the listening socket (%s)", out)
                .isEqualTo(Math.min(PanicReportReceiver.ACCEPT_QUEUE, somaxconn)).isGreaterThan(50);
    }

    @Test
    void thousandMixedRequests() throws Exception {
        List<Planned> plan = plan(1000, new Random(20260302));
        URI uri = URI.create("http://127.0.0.1:" + receiver.port() + PanicReportReceiver.PATH);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).executor(pool)
                .connectTimeout(Duration.ofSeconds(10)).build();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        try {
            for (Planned p : plan) {
                HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(p.body()));
                if (p.token() != null) {
                    request.header("Authorization", "Bearer " + p.token());
                }
                if (p.vmId() != null) {
                    // Half give the identity in headers, half in query parameters.
                    request = p.index() % 2 == 0 ? request.header("X-Panicwatch-Vm-Id", p.vmId())
                            .header("X-Panicwatch-Host-Id", "pve9")
                            : request.uri(URI.create(uri + "?vmId=" + p.vmId().replace("/", "%2F") + "&hostId=pve9"));
                }
                responses.add(client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()));
            }
            CompletableFuture.allOf(responses.toArray(CompletableFuture[]::new)).join();
        } finally {
            pool.shutdown();
        }

        Map<Kind, Integer> seen = new HashMap<>();
        for (int i = 0; i < plan.size(); i++) {
            Planned p = plan.get(i);
            HttpResponse<String> response = responses.get(i).join();
            seen.merge(p.kind(), 1, Integer::sum);
            assertThat(response.statusCode()).as("request %d (%s): %s", i, p.kind(), response.body())
                    .isEqualTo(p.kind().status);
            JsonNode body = JSON.readTree(response.body());
            if (p.kind().phrase == null) {
                assertThat(body.get("reportId").asText()).isEqualTo(p.goodReportId());
            } else {
                assertThat(body.get("error").asText()).as("request %d (%s)", i, p.kind()).contains(p.kind().phrase);
            }
        }
        assertThat(seen.keySet()).as("every kind was sent").containsExactlyInAnyOrder(Kind.values());

        // Still up, and counting what it did.
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + receiver.port() + "/health")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(health.body()).get("status").asText()).isEqualTo("up");

        // Exactly once in Kafka: each good report once for each VM it was sent for, and nothing else from this run's
        // VMs. (The truncated .ips bodies are cut before the part that differs, so one text arrives for several VMs.)
        Set<String> expected = plan.stream().filter(p -> p.goodReportId() != null)
                .map(p -> p.goodReportId() + " " + p.vmId()).collect(Collectors.toSet());
        assertThat(expected.stream().map(e -> e.substring(0, 64)).distinct().count())
                .as("some report text was sent for more than one VM").isLessThan(expected.size());
        List<ConsumerRecord<String, PanicReport>> records = TopicFixture.readAll(stack.clientConfig(),
                Topics.PANIC_REPORTS, PanicReport.class);
        Map<String, Long> published = records.stream().filter(r -> r.key().startsWith(vmPrefix))
                .collect(Collectors.groupingBy(r -> r.value().getReportId() + " " + r.key(), Collectors.counting()));
        assertThat(published.keySet()).isEqualTo(expected);
        assertThat(published.values()).allMatch(n -> n == 1);
        // 202 with duplicate=false exactly once per distinct good report and VM, the rest duplicates.
        long firsts = responses.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 202)
                .filter(r -> r.body().contains("\"duplicate\":false")).count();
        assertThat(firsts).isEqualTo(expected.size());
    }

    /** A reproducible mix; the expected outcome of each request follows from how it was made. */
    private List<Planned> plan(int count, Random random) {
        List<Planned> plan = new ArrayList<>();
        List<Planned> goods = new ArrayList<>();
        Kind[] kinds = Kind.values();
        for (int i = 0; i < count; i++) {
            Kind kind = kinds[random.nextInt(kinds.length)];
            if (kind == Kind.RESENT && goods.isEmpty()) {
                kind = Kind.GOOD;
            }
            String vm = vmPrefix + (100 + random.nextInt(20));
            byte[] report = SampleReports.tlbFlush(i, "keepsyms=1");
            Function<byte[], Planned> good = body -> new Planned(plan.size(), Kind.GOOD, vm, TOKEN, body,
                    PanicReportFactory.reportId(body));
            Planned planned = switch (kind) {
                case GOOD -> good.apply(report);
                case RESENT -> {
                    Planned earlier = goods.get(random.nextInt(goods.size()));
                    yield new Planned(plan.size(), Kind.RESENT, earlier.vmId(), TOKEN, earlier.body(),
                            earlier.goodReportId());
                }
                case TRUNCATED_IPS_WITH_PANIC -> {
                    byte[] ips = ips(i);
                    String text = new String(ips, StandardCharsets.UTF_8);
                    // Cut inside the panic string, after the panic line has begun.
                    byte[] cut = Arrays.copyOf(ips, text.indexOf("Uninterruptible") + 20);
                    yield new Planned(plan.size(), kind, vm, TOKEN, cut, PanicReportFactory.reportId(cut));
                }
                case TRUNCATED_IPS_BEFORE_PANIC -> {
                    byte[] ips = ips(i);
                    byte[] cut = Arrays.copyOf(ips, new String(ips, StandardCharsets.UTF_8).indexOf("\"panicString\""));
                    yield new Planned(plan.size(), kind, vm, TOKEN, cut, null);
                }
                case GARBAGE -> new Planned(plan.size(), kind, vm, TOKEN, garbage(random), null);
                case EMPTY -> new Planned(plan.size(), kind, vm, TOKEN, new byte[0], null);
                case OVERSIZED -> {
                    byte[] big = Arrays.copyOf(report, LIMIT + 1 + random.nextInt(64 * 1024));
                    Arrays.fill(big, report.length, big.length, (byte) 'x');
                    yield new Planned(plan.size(), kind, vm, TOKEN, big, null);
                }
                case WRONG_TOKEN -> new Planned(plan.size(), kind, vm, TOKEN + "x", report, null);
                case NO_TOKEN -> new Planned(plan.size(), kind, vm, null, report, null);
                case BAD_UTF8 -> {
                    byte[] bad = report.clone();
                    bad[random.nextInt(bad.length)] = (byte) 0xC3;
                    bad[bad.length - 1] = (byte) 0xFF;
                    yield new Planned(plan.size(), kind, vm, TOKEN, bad, null);
                }
                case NO_VM -> new Planned(plan.size(), kind, null, TOKEN, report, null);
            };
            if (planned.kind() == Kind.GOOD) {
                goods.add(planned);
            }
            plan.add(planned);
        }
        return plan;
    }

    /** An .ips panic file as macOS 11+ writes it: a one-line JSON header, then a JSON body with the panicString. */
    private static byte[] ips(int n) {
        return ("{\"bug_type\":\"210\",\"timestamp\":\"2026-03-02 09:14:37.00 +0000\",\"os_version\":\"macOS 11.7.10 (20G1427)\"}\n"
                + "{\n  \"build\" : \"macOS 11.7.10 (20G1427)\",\n  \"product\" : \"iMacPro1,1\",\n"
                + "  \"kernel\" : \"Darwin Kernel Version 20.6.0: Thu Jul  6 22:12:47 PDT 2023; root:xnu-7195.141.49.702.12~1\\/RELEASE_X86_64\",\n"
                + "  \"panicString\" : \"panic(cpu 3 caller 0xffffff80123abcde): Uninterruptible processor(s): CPU bitmap: 0x"
                + Integer.toHexString(n + 1) + ", NMIPI acks: 0x0, now: 0x1, deadline: 123456 @pmap.c:2663\\nBoot args: keepsyms=1\\n\"\n}\n")
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Printable text that is no panic report: log lines, JSON, shell output. */
    private static byte[] garbage(Random random) {
        String[] samples = {"GET / HTTP/1.1", "{\"hello\":\"world\"}", "total 0\ndrwxr-xr-x  2 root wheel 64 .",
                "Build succeeded in 412 s", "<html><body>404</body></html>", "\u00fcber caf\u00e9 \u2603"};
        StringBuilder text = new StringBuilder();
        for (int i = 0, n = 1 + random.nextInt(5); i < n; i++) {
            text.append(samples[random.nextInt(samples.length)]).append('\n');
        }
        return text.toString().getBytes(StandardCharsets.UTF_8);
    }
}
