package dev.panicwatch.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.app.ServedApp;
import dev.panicwatch.streams.topology.StoreNames;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;
import dev.panicwatch.testkit.TestCertificates;
import dev.panicwatch.tls.ClientTrust;
import dev.panicwatch.tls.TlsFiles;

/**
 * Two instances of the streams app serving HTTPS with a token, each with a certificate from a CA made for the test
 * and trusting only that CA: a query for a VM the asked instance does not own is forwarded to its owner over HTTPS,
 * with the token, and answered the same by both. {@code /metrics} wants the token unless opened on purpose.
 */
@IntegrationTest
class QueryApiTlsIT {

    private static final String TOKEN = "query-tls-it-token";

    @Test
    void peersForwardOverHttpsWithTheToken(StackEndpoints stack, @TempDir Path dir) throws Exception {
        TestCertificates ca = TestCertificates.authority("Streams peers test CA");
        Path caFile = ca.writeCertificate(dir.resolve("ca.pem"));
        ClientTrust trust = ClientTrust.fromCaFile("--ca-file", caFile.toString());
        String applicationId = "panicwatch-query-tls-it-" + UUID.randomUUID();
        QueryApiSettings first = settings(ca.server(dir.resolve("one"), "api", "localhost"), trust);
        QueryApiSettings second = settings(ca.server(dir.resolve("two"), "api", "localhost"), trust)
                .withMetricsOpen(true);
        try (ServedApp one = ServedApp.start(Fleet.quickSettings(), Fleet.appConfig(stack, applicationId), first);
             ServedApp two = ServedApp.start(Fleet.quickSettings(), Fleet.appConfig(stack, applicationId), second)) {
            assertThat(one.url()).startsWith("https://localhost:");
            List<ApiClient> clients = List.of(new ApiClient(one.url(), TOKEN, trust),
                    new ApiClient(two.url(), TOKEN, trust));
            await("both instances RUNNING with partitions of their own").atMost(Duration.ofSeconds(90))
                    .until(() -> running(one) && running(two) && owns(one) && owns(two));

            Fleet fleet = new Fleet(stack);
            String vmA = fleet.vmInPartition("a", 0);
            String vmB = fleet.vmInPartition("b", 1);
            String vmC = fleet.vmInPartition("c", 2);
            String host = fleet.host("h");
            Instant h = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(5));
            // A: 1 panic, B: 2, C: 3, all kernel traps (counted, not advised).
            fleet.panic(vmA, host, h.plus(Duration.ofMinutes(10)), Fleet.KERNEL_TRAP, null);
            for (int minute : new int[] {10, 20}) {
                fleet.panic(vmB, host, h.plus(Duration.ofMinutes(minute)), Fleet.KERNEL_TRAP, null);
            }
            for (int minute : new int[] {10, 20, 30}) {
                fleet.panic(vmC, host, h.plus(Duration.ofMinutes(minute)), Fleet.KERNEL_TRAP, null);
            }
            fleet.close();
            List<String> vms = List.of(vmA, vmB, vmC);
            long ownedByOne = vms.stream().filter(vm -> owner(one, vm).equals(one.server().advertisedAddress())).count();
            assertThat(ownedByOne).as("each instance owns some of the VMs, so the other must forward").isBetween(1L, 2L);

            String from = h.toString();
            String to = h.plus(Duration.ofHours(1)).toString();
            await("each VM counted, asked of both instances").atMost(Duration.ofSeconds(90)).untilAsserted(() -> {
                for (ApiClient client : clients) {
                    for (int i = 0; i < vms.size(); i++) {
                        ApiClient.Answer answer = client.get("/api/v1/panic-rate", "vm", vms.get(i), "from", from,
                                "to", to);
                        assertThat(answer.status()).as(String.valueOf(answer.body())).isEqualTo(200);
                        assertThat(answer.body().path("panics").asLong()).isEqualTo(i + 1L);
                    }
                }
            });
            // The top list gathers every instance's share: forwarded too.
            ApiClient.Answer top = clients.get(0).get("/api/v1/panic-rates", "top", "3", "from", from, "to", to);
            assertThat(top.body().path("vms").findValuesAsText("vm")).containsExactly(vmC, vmB, vmA);

            // /metrics: behind the token on the first, opened on purpose on the second.
            assertThat(clients.get(0).withToken(null).get("/metrics").status()).isEqualTo(401);
            assertThat(clients.get(1).withToken(null).get("/metrics").status()).isEqualTo(200);
            assertThat(clients.get(0).withToken(null).get("/api/v1/panic-rates").status()).isEqualTo(401);
            assertThat(clients.get(1).withToken(null).get("/api/v1/panic-rates").status()).isEqualTo(401);
        }
    }

    private static QueryApiSettings settings(TestCertificates.Issued certificate, ClientTrust trust) {
        return new QueryApiSettings(0, "localhost", Optional.of(TOKEN))
                .withTls(Optional.of(new TlsFiles(certificate.certificate(), certificate.key())))
                .withPeerTrust(trust);
    }

    private static boolean running(ServedApp app) {
        return app.app().streams().state() == KafkaStreams.State.RUNNING;
    }

    private static boolean owns(ServedApp app) {
        return app.app().streams().metadataForLocalThreads().stream()
                .anyMatch(thread -> thread.activeTasks().stream().anyMatch(task -> task.topicPartitions().stream()
                        .anyMatch(tp -> tp.topic().equals(dev.panicwatch.schemas.Topics.PANIC_REPORTS))));
    }

    private static String owner(ServedApp app, String vm) {
        var host = app.app().streams().queryMetadataForKey(StoreNames.PANIC_COUNTS_PER_VM, vm,
                Serdes.String().serializer()).activeHost();
        return host.host() + ":" + host.port();
    }
}
