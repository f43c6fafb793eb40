package dev.panicwatch.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.app.ServedApp;
import dev.panicwatch.streams.topology.StoreNames;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * Two instances of the app with one application id split the partitions; every question asked of either instance
 * gets the same answer, computed by hand from the records produced, whichever instance owns the VM.
 */
@IntegrationTest
class QueryApiIT {

    private static final String TOKEN = "query-it-token";

    @Test
    void bothInstancesAnswerEveryQueryTheSame(StackEndpoints stack) throws Exception {
        String applicationId = "panicwatch-query-it-" + UUID.randomUUID();
        QueryApiSettings api = new QueryApiSettings(0, "localhost", Optional.of(TOKEN));
        Fleet fleet;
        try (ServedApp one = ServedApp.start(Fleet.quickSettings(), Fleet.appConfig(stack, applicationId), api);
             ServedApp two = ServedApp.start(Fleet.quickSettings(), Fleet.appConfig(stack, applicationId), api)) {
            fleet = new Fleet(stack);
            List<ApiClient> clients = List.of(new ApiClient(one.url(), TOKEN), new ApiClient(two.url(), TOKEN));
            await("both instances RUNNING with partitions of their own").atMost(Duration.ofSeconds(90))
                    .until(() -> running(one) && running(two) && owns(one) && owns(two));

            // A VM in each partition (and a fourth in the first again), so both instances own some of them.
            String vmA = fleet.vmInPartition("a", 0);
            String vmB = fleet.vmInPartition("b", 1);
            String vmC = fleet.vmInPartition("c", 2);
            String vmD = fleet.vmInPartition("d", 3);
            String h1 = fleet.host("h1");
            String h2 = fleet.host("h2");
            Set<Boolean> ownedByOne = new HashSet<>();
            for (String vm : List.of(vmA, vmB, vmC, vmD)) {
                ownedByOne.add(owner(one, vm).equals(one.server().advertisedAddress()));
            }
            assertThat(ownedByOne).as("the VMs are split between the two instances").containsExactlyInAnyOrder(true, false);

            // Base hour H, six hours back: far from the other tests' panics (minutes ago), inside every retention.
            Instant h = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(Duration.ofHours(6));
            // A: the seed's host (32 CPUs at load1 110) and TLB-flush panic; then two kernel traps. 3 panics.
            fleet.load(vmA, h1, h.plus(Duration.ofMinutes(5)), 32, 110, null);
            fleet.load(vmA, h1, h.plus(Duration.ofMinutes(9)), 32, 110, null);
            fleet.panic(vmA, h1, h.plus(Duration.ofMinutes(10)), Fleet.TLB_FLUSH, "keepsyms=1");
            fleet.panic(vmA, h1, h.plus(Duration.ofMinutes(70)), Fleet.KERNEL_TRAP, null);
            fleet.panic(vmA, h1, h.plus(Duration.ofMinutes(130)), Fleet.KERNEL_TRAP, null);
            // B: five kernel traps (no advice), one of them sent twice. Windows H: 2, H+1h: 2, H+2h: 1.
            for (int minute : new int[] {15, 20, 75, 80, 150}) {
                fleet.panic(vmB, h1, h.plus(Duration.ofMinutes(minute)), Fleet.KERNEL_TRAP, null);
            }
            fleet.panic(vmB, h1, h.plus(Duration.ofMinutes(80)), Fleet.KERNEL_TRAP, null);
            // C: a watchdog timeout without any load sample (→ INVESTIGATE, "no load data") and a kernel trap. 2.
            fleet.panic(vmC, h2, h.plus(Duration.ofMinutes(30)), Fleet.WATCHDOG, null);
            fleet.panic(vmC, h2, h.plus(Duration.ofMinutes(95)), Fleet.KERNEL_TRAP, null);
            // D: four kernel traps. 4.
            for (int minute : new int[] {40, 100, 160, 170}) {
                fleet.panic(vmD, h2, h.plus(Duration.ofMinutes(minute)), Fleet.KERNEL_TRAP, null);
            }
            fleet.close();

            String from = h.toString();
            String to = h.plus(Duration.ofHours(3)).toString();
            // Counted and advised: all four VMs counted, A's and C's advice published, and the per-host counts (which
            // go through a repartition topic, so they trail the per-VM ones) at h1 = 8 and h2 = 6 panics.
            await("data counted and advice decided").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                JsonNode top = clients.get(0).get("/api/v1/panic-rates", "top", "4", "from", from, "to", to).body();
                assertThat(top.path("vms").size()).isEqualTo(4);
                assertThat(top.path("vms").get(3).path("panics").asLong()).isEqualTo(2);
                assertThat(clients.get(0).get("/api/v1/remediation", "vm", vmA).status()).isEqualTo(200);
                assertThat(clients.get(0).get("/api/v1/remediation", "vm", vmC).status()).isEqualTo(200);
                assertThat(clients.get(0).get("/api/v1/panic-rate", "host", h1, "from", from, "to", to).body()
                        .path("panics").asLong()).isEqualTo(8);
                assertThat(clients.get(0).get("/api/v1/panic-rate", "host", h2, "from", from, "to", to).body()
                        .path("panics").asLong()).isEqualTo(6);
                // The at-risk list is written after a repartition by host, so it trails the advice too.
                assertThat(clients.get(0).get("/api/v1/at-risk", "host", h1).body().path("advice").size())
                        .isEqualTo(1);
            });

            for (ApiClient client : clients) {
                // Rates over [H, H+3h): 3 hours, so perHour = panics / 3.
                JsonNode b = ok(client.get("/api/v1/panic-rate", "vm", vmB, "from", from, "to", to));
                assertThat(b.path("vm").asText()).isEqualTo(vmB);
                assertThat(b.path("from").asText()).isEqualTo(from);
                assertThat(b.path("to").asText()).isEqualTo(to);
                assertThat(b.path("windowSize").asText()).isEqualTo("PT1H");
                assertThat(b.path("panics").asLong()).isEqualTo(5);
                assertThat(b.path("perHour").asDouble()).isCloseTo(5 / 3.0, within(1e-9));
                assertThat(b.path("byClass").toString()).isEqualTo("{\"NON_TIMEOUT\":5}");
                assertThat(b.path("series").toString()).isEqualTo("[{\"start\":\"" + h + "\",\"panics\":2},"
                        + "{\"start\":\"" + h.plus(Duration.ofHours(1)) + "\",\"panics\":2},"
                        + "{\"start\":\"" + h.plus(Duration.ofHours(2)) + "\",\"panics\":1}]");

                JsonNode a = ok(client.get("/api/v1/panic-rate", "vm", vmA, "from", from, "to", to));
                assertThat(a.path("panics").asLong()).isEqualTo(3);
                assertThat(a.path("perHour").asDouble()).isCloseTo(1.0, within(1e-9));
                assertThat(a.path("byClass").toString()).isEqualTo("{\"NON_TIMEOUT\":2,\"TLB_FLUSH_TIMEOUT\":1}");

                JsonNode c = ok(client.get("/api/v1/panic-rate", "vm", vmC, "from", from, "to", to));
                assertThat(c.path("panics").asLong()).isEqualTo(2);
                assertThat(c.path("byClass").toString()).isEqualTo("{\"NON_TIMEOUT\":1,\"WATCHDOG_TIMEOUT\":1}");

                // Only the first hour: B's two panics at H+15m and H+20m.
                JsonNode firstHour = ok(client.get("/api/v1/panic-rate", "vm", vmB, "from", from,
                        "to", h.plus(Duration.ofHours(1)).toString()));
                assertThat(firstHour.path("panics").asLong()).isEqualTo(2);
                assertThat(firstHour.path("perHour").asDouble()).isCloseTo(2.0, within(1e-9));

                // The last 24 h ending now: the same panics; the range runs from the hour 24 h ago to now.
                JsonNode day = ok(client.get("/api/v1/panic-rate", "vm", vmD, "span", "PT24H"));
                assertThat(day.path("panics").asLong()).isEqualTo(4);
                double hours = Duration.between(Instant.parse(day.path("from").asText()),
                        Instant.parse(day.path("to").asText())).toMillis() / 3_600_000.0;
                assertThat(hours).isBetween(24.0, 25.0);
                assertThat(day.path("perHour").asDouble()).isCloseTo(4 / hours, within(1e-9));

                // Hosts: h1 = A 3 + B 5 = 8; h2 = C 2 + D 4 = 6.
                JsonNode host1 = ok(client.get("/api/v1/panic-rate", "host", h1, "from", from, "to", to));
                assertThat(host1.path("host").asText()).isEqualTo(h1);
                assertThat(host1.path("panics").asLong()).isEqualTo(8);
                assertThat(host1.path("perHour").asDouble()).isCloseTo(8 / 3.0, within(1e-9));
                assertThat(host1.has("byClass")).isFalse();
                assertThat(ok(client.get("/api/v1/panic-rate", "host", h2, "from", from, "to", to))
                        .path("panics").asLong()).isEqualTo(6);

                // Top 3 across both instances: B 5, D 4, A 3 (C's 2 falls off), each with its advice or null.
                JsonNode top = ok(client.get("/api/v1/panic-rates", "top", "3", "from", from, "to", to));
                assertThat(top.path("top").asInt()).isEqualTo(3);
                List<String> order = new ArrayList<>();
                top.path("vms").forEach(v -> order.add(v.path("vm").asText() + "=" + v.path("panics").asLong()));
                assertThat(order).containsExactly(vmB + "=5", vmD + "=4", vmA + "=3");
                assertThat(top.path("vms").get(1).path("perHour").asDouble()).isCloseTo(4 / 3.0, within(1e-9));
                assertThat(top.path("vms").get(0).path("advice").isNull()).isTrue();
                assertThat(top.path("vms").get(2).path("advice").path("suggestedVti").asInt()).isEqualTo(9);
                assertThat(top.has("partitions")).as("merged answers do not list partitions").isFalse();

                // A's advice: the worked example of docs/design.md#worked-example, R = 110 / 32 = 3.44 → vti 6 + 3 = 9.
                JsonNode adviceA = ok(client.get("/api/v1/remediation", "vm", vmA));
                assertThat(adviceA.path("vmId").asText()).isEqualTo(vmA);
                assertThat(adviceA.path("hostId").asText()).isEqualTo(h1);
                assertThat(adviceA.path("panicClass").asText()).isEqualTo("TLB_FLUSH_TIMEOUT");
                assertThat(adviceA.path("currentVti").asInt()).isEqualTo(6);
                assertThat(adviceA.path("suggestedVti").asInt()).isEqualTo(9);
                assertThat(adviceA.path("suggestedBootArgs").asText()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
                assertThat(adviceA.path("actions").toString())
                        .isEqualTo("[\"RAISE_VTI\",\"DISABLE_TLB_TIMEOUT\",\"REDUCE_HOST_LOAD\"]");
                assertThat(adviceA.path("evidence").path("samples").asInt()).isEqualTo(2);
                assertThat(adviceA.path("evidence").path("windowStart").asText())
                        .isEqualTo(h.plus(Duration.ofMinutes(10)).minus(Duration.ofMinutes(10)).toString());
                assertThat(Instant.parse(adviceA.path("createdTime").asText())).isAfter(h);
                // C: a watchdog timeout is not vti-governed and had no load data → INVESTIGATE.
                JsonNode adviceC = ok(client.get("/api/v1/remediation", "vm", vmC));
                assertThat(adviceC.path("actions").toString()).isEqualTo("[\"INVESTIGATE\"]");
                assertThat(adviceC.path("suggestedVti").isNull()).isTrue();
                assertThat(adviceC.path("evidence").path("samples").asInt()).isZero();

                // A's advice changes boot-args, so it has an outcome: ADVISED at its panic's time, H + 10 min, and
                // nothing seen since. C's INVESTIGATE has none. Whichever instance owns A, both answer the same.
                JsonNode outcomeA = ok(client.get("/api/v1/advice-outcome", "vm", vmA));
                assertThat(outcomeA.path("status").asText()).isEqualTo("ADVISED");
                assertThat(outcomeA.path("suggestedVti").asInt()).isEqualTo(9);
                assertThat(outcomeA.path("advisedTime").asText()).isEqualTo(h.plus(Duration.ofMinutes(10)).toString());
                assertThat(outcomeA.path("remediationId").asText()).isEqualTo(adviceA.path("remediationId").asText());
                ApiClient.Answer noOutcome = client.get("/api/v1/advice-outcome", "vm", vmC);
                assertThat(noOutcome.status()).isEqualTo(404);
                assertThat(noOutcome.body().path("error").asText()).contains("has no advice outcome");
                // Across both instances: h1's only outcome is A's; h2 has none; every ADVISED one is A's.
                List<String> onH1 = new ArrayList<>();
                ok(client.get("/api/v1/advice-outcomes", "host", h1)).path("outcomes")
                        .forEach(o -> onH1.add(o.path("vmId").asText()));
                assertThat(onH1).containsExactly(vmA);
                assertThat(ok(client.get("/api/v1/advice-outcomes", "host", h2)).path("outcomes").size()).isZero();
                JsonNode advised = ok(client.get("/api/v1/advice-outcomes", "status", "ADVISED"));
                assertThat(advised.path("outcomes").size()).isEqualTo(1);
                assertThat(advised.has("partitions")).as("merged answers do not list partitions").isFalse();

                // At risk on h1, from whichever instance owns the host: A's vti advice (overloaded host), with no
                // peer warned or unknown (B only panicked, it sent no samples, so it was never seen on h1). h2's only
                // advice, C's INVESTIGATE, raises no vti: an empty list, not an error.
                JsonNode atRisk = ok(client.get("/api/v1/at-risk", "host", h1));
                assertThat(atRisk.path("hostId").asText()).isEqualTo(h1);
                assertThat(atRisk.path("advice").size()).isEqualTo(1);
                JsonNode ofA = atRisk.path("advice").get(0);
                assertThat(ofA.path("vmId").asText()).isEqualTo(vmA);
                assertThat(ofA.path("remediationId").asText()).isEqualTo(adviceA.path("remediationId").asText());
                assertThat(ofA.path("advisedTime").asText()).isEqualTo(h.plus(Duration.ofMinutes(10)).toString());
                assertThat(ofA.path("suggestedVti").asInt()).isEqualTo(9);
                assertThat(ofA.path("warned").size()).isZero();
                assertThat(ofA.path("unknownVti").size()).isZero();
                assertThat(ok(client.get("/api/v1/at-risk", "host", h2)).path("advice").size()).isZero();
                ApiClient.Answer noHost = client.get("/api/v1/at-risk");
                assertThat(noHost.status()).isEqualTo(400);
                assertThat(noHost.body().path("error").asText()).isEqualTo("parameter 'host' is required");

                // A's load: the range began hours ago, before the 30-minute raw window, so the answer is 5-minute
                // summaries: its two samples (h + 5 and h + 9 min) are both in h + 5 .. h + 10, each 110 / 32.
                JsonNode load = ok(client.get("/api/v1/load", "vm", vmA, "from", from, "to", to));
                assertThat(load.path("resolution").asText()).isEqualTo("PT5M");
                assertThat(load.has("samples")).isFalse();
                assertThat(load.path("summaries").size()).isEqualTo(1);
                JsonNode interval = load.path("summaries").get(0);
                assertThat(interval.path("start").asText()).isEqualTo(h.plus(Duration.ofMinutes(5)).toString());
                assertThat(interval.path("end").asText()).isEqualTo(h.plus(Duration.ofMinutes(10)).toString());
                assertThat(interval.path("samples").asInt()).isEqualTo(2);
                assertThat(interval.path("overloadedSamples").asInt()).isEqualTo(2);
                assertThat(interval.path("peakLoadPerCpu").asDouble()).isEqualTo(3.4375);
                assertThat(interval.path("hostId").asText()).isEqualTo(h1);
                // D is known (it panicked) but sent no load: an empty series, not a 404.
                assertThat(ok(client.get("/api/v1/load", "vm", vmD, "from", from, "to", to)).path("summaries").size())
                        .isZero();

                // Errors.
                ApiClient.Answer unknown = client.get("/api/v1/panic-rate", "vm", fleet.run + "-nobody/1");
                assertThat(unknown.status()).isEqualTo(404);
                assertThat(unknown.body().path("error").asText()).contains("unknown VM");
                ApiClient.Answer noAdvice = client.get("/api/v1/remediation", "vm", vmB);
                assertThat(noAdvice.status()).isEqualTo(404);
                assertThat(noAdvice.body().path("error").asText()).contains("has no remediation yet");
                assertThat(client.get("/api/v1/panic-rate", "host", fleet.run + "-nohost").status()).isEqualTo(404);
                ApiClient.Answer badSpan = client.get("/api/v1/panic-rate", "vm", vmA, "span", "yesterday");
                assertThat(badSpan.status()).isEqualTo(400);
                assertThat(badSpan.body().path("parameter").asText()).isEqualTo("span");
                assertThat(client.get("/api/v1/panic-rates", "top", "0").body().path("parameter").asText())
                        .isEqualTo("top");
                assertThat(client.withToken(null).get("/api/v1/panic-rate", "vm", vmA).status()).isEqualTo(401);
                assertThat(client.withToken("wrong").get("/metrics").status()).isEqualTo(401);
                assertThat(client.withToken(null).get("/health").status()).isEqualTo(200);
                assertThat(client.withToken(null).get("/api/openapi.json").body().path("openapi").asText())
                        .startsWith("3.");
            }

            // Metrics: per instance, so summed over both. Panics: 3 + 5 + 2 + 4 = 14 of this run (other tests'
            // records are not read: the app starts at the end of the topics); one decision without load data (C).
            double nonTimeout = 0;
            double withoutLoad = 0;
            double investigate = 0;
            for (ApiClient client : clients) {
                String metrics = client.get("/metrics").response().body();
                assertThat(metrics).contains("kafka_stream_");
                nonTimeout += metric(metrics, "panicwatch_panics_total{class=\"NON_TIMEOUT\"}");
                withoutLoad += metric(metrics, "panicwatch_decisions_without_load_total{class=\"WATCHDOG_TIMEOUT\"}");
                investigate += metric(metrics, "panicwatch_remediations_total{action=\"INVESTIGATE\"}");
            }
            // Kernel traps: A 2 + B 5 + C 1 + D 4 = 12 (B's re-sent report is a duplicate, not counted).
            assertThat(nonTimeout).isEqualTo(12);
            assertThat(withoutLoad).isEqualTo(1);
            assertThat(investigate).isEqualTo(1);
        }
    }

    private static JsonNode ok(ApiClient.Answer answer) {
        assertThat(answer.status()).as("status of %s", answer.response().uri()).isEqualTo(200);
        return answer.body();
    }

    private static double metric(String exposition, String series) {
        for (String line : exposition.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no metric " + series + " in:\n" + exposition);
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
