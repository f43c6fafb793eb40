package dev.panicwatch.streams.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.guest.GuestStateIntake;
import dev.panicwatch.ingest.host.KafkaSampleSink;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.panic.http.PanicReportIntake;
import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.OutcomePeriod;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.topology.PanicwatchSerdes;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/**
 * docs/design.md#advice-outcome end to end on the real broker and registry: panic reports and guest states POSTed to
 * the real HTTP receiver (the guest agent's way in), load samples published through the collectors' sink, the whole
 * streams app under exactly_once_v2, and the exact advice-outcome events read on a read_committed consumer.
 *
 * <p>Settings: effective.after PT1H and apply.deadline PT1H (instead of a day each), grace 5 s. Host H has 32 CPUs
 * and load1 110 in every sample: 110/32 = 3.44 >= 1.0, overloaded. Three guests E, I, N panic with a TLB-flush
 * timeout at T (boot-args keepsyms=1, vti 6), each after samples at T - 5 min and T - 1 min: R = 3.44, step 1 +
 * ceil(log2 3.44) = 3, vti 6 -> 9, advice {@code keepsyms=1 tlbto_us=0 vti=9}. Worked out by hand:
 * <ul>
 *   <li>ADVISED (all three) at T. Before = [T - 1 h, T]: the panic at T, 1 in 1/24 day = 24/day; samples T - 5 min
 *       and T - 1 min, both overloaded.</li>
 *   <li>E reports (guest state) the advised boot-args at T + 10 min: APPLIED at T + 10 min. Samples every 10 min
 *       from T + 20 min; the one at T + 70 min = applied + 1 h ends the stretch with 6 of 6 samples overloaded
 *       (>= 25 %) and no panic: EFFECTIVE at T + 70 min, after = [T + 10 min, T + 70 min], 0/day.</li>
 *   <li>I reports the advice at T + 10 min too (APPLIED), has a sample at T + 20 min and panics again at T + 30 min
 *       with vti=9 in force: INEFFECTIVE at T + 30 min, after = [T + 10 min, T + 30 min] = 1/72 day with 1 panic =
 *       72/day, 1 sample. The escalation (vti 9 + 3 = 12, the cap on xnu-6153) starts a new lifecycle: ADVISED at
 *       T + 30 min, before = [T - 30 min, T + 30 min] with both panics = 48/day and 3 samples.</li>
 *   <li>N reports at T + 10 min that it still runs keepsyms=1 (no reboot since): nothing. Its sample at T + 60 min
 *       = advice + 1 h: NOT_APPLIED at T + 60 min.</li>
 * </ul>
 * The escalation of I on the overloaded host warns E (vti 9) and N (vti 6) to raise theirs to 12: the at-risk answer
 * of the query API lists them under I's advice.
 */
@IntegrationTest
class AdviceOutcomeLoopIT {

    private static final String TOKEN = "outcome-loop-token";
    private static final String ADVISED_ARGS = "keepsyms=1 tlbto_us=0 vti=9";
    private static final String KERNEL = "Darwin Kernel Version 19.5.0: Tue May 26 20:41:44 PDT 2020; "
            + "root:xnu-6153.121.2~2/RELEASE_X86_64";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newHttpClient();
    private int reports;

    private static int samplesIn(JsonNode load) {
        assertThat(load.path("resolution").asText()).isEqualTo("PT5M");
        int samples = 0;
        for (JsonNode interval : load.path("summaries")) {
            samples += interval.path("samples").asInt();
        }
        return samples;
    }

    @Test
    void aScenarioThroughTheReceiverYieldsExactlyTheExpectedOutcomes(StackEndpoints stack, @TempDir Path ledgerDir)
            throws Exception {
        PipelineSettings settings = PipelineSettings.from(Map.of(), Map.of(
                "PANICWATCH_GRACE", "PT5S", "PANICWATCH_PUNCTUATION_INTERVAL", "PT1S",
                "PANICWATCH_EFFECTIVE_AFTER", "PT1H", "PANICWATCH_APPLY_DEADLINE", "PT1H"));
        Map<String, Object> kafka = new HashMap<>(stack.clientConfig());
        kafka.put(StreamsConfig.APPLICATION_ID_CONFIG, "panicwatch-outcome-loop-it-" + UUID.randomUUID());
        kafka.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("panicwatch-outcome-loop-it-").toString());
        // Other ITs write to the same topics: only what is produced from now on is read, so stream time is ours.
        kafka.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "latest");

        String run = UUID.randomUUID().toString().substring(0, 8);
        String host = "loop-" + run;
        String e = host + "/201";
        String i = host + "/202";
        String n = host + "/203";
        // Two hours ago: every time of the scenario (up to T + 70 min) is in the past, so each panic is decided on
        // the wall clock 5 s (grace) after it arrives, and nothing waits for stream time.
        Instant t = Instant.now().minus(Duration.ofHours(2)).truncatedTo(ChronoUnit.MINUTES);
        KafkaConnection connection = KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl());
        PanicwatchSerdes serdes = PanicwatchSerdes.fromConfig(stack.clientConfig());
        QueryApiSettings api = new QueryApiSettings(0, "localhost", Optional.of(TOKEN));

        try (ServedApp app = ServedApp.start(settings, kafka, api);
             IdempotentPublisher producer = IdempotentPublisher.create(connection, Duration.ofSeconds(15));
             PublishedLedger ledger = PublishedLedger.open(ledgerDir);
             KafkaSampleSink samples = new KafkaSampleSink(connection);
             KafkaConsumer<String, AdviceOutcome> consumer = outcomeConsumer(stack, serdes)) {
            assertThat(app.app().awaitRunning(Duration.ofSeconds(60))).as("streams app reaches RUNNING").isTrue();
            PanicReportIntake intake = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(20),
                    new PanicReportFactory(), new PanicReportPublisher(producer, ledger), Clock.systemUTC());
            intake.observeBootArgs(producer);
            consumer.subscribe(List.of(Topics.ADVICE_OUTCOMES));
            Outcomes seen = new Outcomes(consumer, List.of(e, i, n));

            try (PanicReportReceiver receiver = PanicReportReceiver.start("127.0.0.1", 0, intake,
                    new GuestStateIntake(TOKEN, Duration.ofSeconds(20), producer, Clock.systemUTC()))) {
                String ingest = "http://127.0.0.1:" + receiver.port();

                // 1. The seed: overloaded samples, then each guest's panic report, as its agent posts it.
                for (String vm : List.of(e, i, n)) {
                    sample(samples, vm, host, t.minus(Duration.ofMinutes(5)));
                    sample(samples, vm, host, t.minus(Duration.ofMinutes(1)));
                }
                for (String vm : List.of(e, i, n)) {
                    postReport(ingest, vm, host, t, "keepsyms=1");
                }
                seen.awaitCounts(Map.of(e, 1, i, 1, n, 1));

                // 2. What each guest runs 10 min later (E and I rebooted at T + 5 min with the advice; N did not).
                postGuestState(ingest, e, host, t.plus(Duration.ofMinutes(10)), ADVISED_ARGS,
                        t.plus(Duration.ofMinutes(5)));
                postGuestState(ingest, i, host, t.plus(Duration.ofMinutes(10)), ADVISED_ARGS,
                        t.plus(Duration.ofMinutes(5)));
                postGuestState(ingest, n, host, t.plus(Duration.ofMinutes(10)), "keepsyms=1",
                        t.minus(Duration.ofDays(2)));
                seen.awaitCounts(Map.of(e, 2, i, 2, n, 1));

                // 3. The hour after. I's sample must be in before its panic (another topic, so no order between
                // them otherwise): the load API shows it once the task has taken it.
                for (long m = 20; m <= 70; m += 10) {
                    sample(samples, e, host, t.plus(Duration.ofMinutes(m)));
                }
                for (long m = 20; m <= 60; m += 10) {
                    sample(samples, n, host, t.plus(Duration.ofMinutes(m)));
                }
                sample(samples, i, host, t.plus(Duration.ofMinutes(20)));
                // Six hours reach past the raw window: the answer is 5-minute summaries, each with its sample count.
                await("I's sample at T + 20 min taken").atMost(Duration.ofSeconds(30)).until(() ->
                        samplesIn(query(app, "/api/v1/load", "vm", i, "span", "PT6H")) == 3);
                postReport(ingest, i, host, t.plus(Duration.ofMinutes(30)), ADVISED_ARGS);
                seen.awaitCounts(Map.of(e, 3, i, 4, n, 2));
            }
            // Nothing more may follow: give a late extra event a fair chance.
            seen.pollFor(Duration.ofSeconds(8));

            Map<String, List<AdviceOutcome>> byVm = seen.byVm;
            assertThat(byVm.get(e)).extracting(AdviceOutcome::getStatus).containsExactly(AdviceOutcomeStatus.ADVISED,
                    AdviceOutcomeStatus.APPLIED, AdviceOutcomeStatus.EFFECTIVE);
            assertThat(byVm.get(i)).extracting(AdviceOutcome::getStatus).containsExactly(AdviceOutcomeStatus.ADVISED,
                    AdviceOutcomeStatus.APPLIED, AdviceOutcomeStatus.INEFFECTIVE, AdviceOutcomeStatus.ADVISED);
            assertThat(byVm.get(n)).extracting(AdviceOutcome::getStatus).containsExactly(AdviceOutcomeStatus.ADVISED,
                    AdviceOutcomeStatus.NOT_APPLIED);

            for (String vm : List.of(e, i, n)) {
                AdviceOutcome advised = byVm.get(vm).get(0);
                assertThat(advised.getHostId()).isEqualTo(host);
                assertThat(advised.getTime()).isEqualTo(t);
                assertThat(advised.getAdvisedTime()).isEqualTo(t);
                assertThat(advised.getSuggestedVti()).isEqualTo(9);
                assertThat(advised.getTlbTimeoutDisabled()).isTrue();
                assertThat(advised.getSuggestedBootArgs()).isEqualTo(ADVISED_ARGS);
                assertThat(advised.getAppliedTime()).isNull();
                assertThat(advised.getAfter()).isNull();
                assertPeriod(advised.getBefore(), t.minus(Duration.ofHours(1)), t, 1, 24.0, 2, 2);
                // One lifecycle per advice: every transition names the advice it follows.
                assertThat(byVm.get(vm).subList(0, vm.equals(i) ? 3 : byVm.get(vm).size()))
                        .extracting(AdviceOutcome::getRemediationId).containsOnly(advised.getRemediationId());
            }

            Instant applied = t.plus(Duration.ofMinutes(10));
            for (String vm : List.of(e, i)) {
                AdviceOutcome a = byVm.get(vm).get(1);
                assertThat(a.getTime()).isEqualTo(applied);
                assertThat(a.getAppliedTime()).isEqualTo(applied);
                assertThat(a.getObservedBootArgs()).isEqualTo(ADVISED_ARGS);
                assertThat(a.getObservedVti()).isEqualTo(9);
                // The stretch after has only just begun: [applied, applied], nothing in it yet.
                assertPeriod(a.getAfter(), applied, applied, 0, 0.0, 0, 0);
            }

            AdviceOutcome effective = byVm.get(e).get(2);
            assertThat(effective.getTime()).isEqualTo(t.plus(Duration.ofMinutes(70)));
            assertThat(effective.getAppliedTime()).isEqualTo(applied);
            assertPeriod(effective.getAfter(), applied, t.plus(Duration.ofMinutes(70)), 0, 0.0, 6, 6);
            assertThat(effective.getReason()).contains("6 of 6 samples");

            AdviceOutcome ineffective = byVm.get(i).get(2);
            assertThat(ineffective.getTime()).isEqualTo(t.plus(Duration.ofMinutes(30)));
            assertPeriod(ineffective.getAfter(), applied, t.plus(Duration.ofMinutes(30)), 1, 72.0, 1, 1);
            assertThat(ineffective.getReason()).contains("vti=9 in force");
            AdviceOutcome escalation = byVm.get(i).get(3);
            assertThat(escalation.getTime()).isEqualTo(t.plus(Duration.ofMinutes(30)));
            assertThat(escalation.getAdvisedTime()).isEqualTo(t.plus(Duration.ofMinutes(30)));
            assertThat(escalation.getSuggestedVti()).isEqualTo(12);
            assertThat(escalation.getSuggestedBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=12");
            assertThat(escalation.getRemediationId()).isNotEqualTo(ineffective.getRemediationId());
            assertPeriod(escalation.getBefore(), t.minus(Duration.ofMinutes(30)), t.plus(Duration.ofMinutes(30)), 2,
                    48.0, 3, 3);

            AdviceOutcome notApplied = byVm.get(n).get(1);
            assertThat(notApplied.getTime()).isEqualTo(t.plus(Duration.ofMinutes(60)));
            assertThat(notApplied.getAppliedTime()).isNull();
            assertThat(notApplied.getAfter()).isNull();
            assertThat(notApplied.getObservedBootArgs()).isEqualTo("keepsyms=1");
            assertThat(notApplied.getObservedVti()).isEqualTo(6);
            assertThat(notApplied.getReason()).contains("PT1H after the advice").contains("'keepsyms=1' (vti=6)");

            // The query API answers the same current state, and the peers I's escalation warned.
            assertThat(query(app, "/api/v1/advice-outcome", "vm", e).path("status").asText()).isEqualTo("EFFECTIVE");
            await("at-risk peers of the escalation").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                JsonNode atRisk = query(app, "/api/v1/at-risk", "host", host);
                List<String> advisedVms = new ArrayList<>();
                atRisk.path("advice").forEach(a -> advisedVms.add(a.path("vmId").asText()));
                assertThat(advisedVms).containsExactly(e, i, n);
                JsonNode ofI = atRisk.path("advice").get(1);
                assertThat(ofI.path("suggestedVti").asInt()).isEqualTo(12);
                assertThat(ofI.path("advisedTime").asText()).isEqualTo(t.plus(Duration.ofMinutes(30)).toString());
                assertThat(ofI.path("warned").toString()).contains("\"vmId\":\"" + e + "\",\"vti\":9,\"suggestedVti\":12")
                        .contains("\"vmId\":\"" + n + "\",\"vti\":6,\"suggestedVti\":12");
                // At T, E's, I's and N's own reports were each one's latest observation: left to their own advice.
                assertThat(atRisk.path("advice").get(0).path("warned").size()).isZero();
                assertThat(atRisk.path("advice").get(0).path("unknownVti").size()).isZero();
            });
        }
    }

    private static void assertPeriod(OutcomePeriod p, Instant start, Instant end, int panics, double perDay,
                                     int samples, int overloaded) {
        assertThat(p.getStart()).isEqualTo(start);
        assertThat(p.getEnd()).isEqualTo(end);
        assertThat(p.getTimeoutPanics()).isEqualTo(panics);
        assertThat(p.getTimeoutPanicsPerDay()).isCloseTo(perDay, within(1e-9));
        assertThat(p.getSamples()).isEqualTo(samples);
        assertThat(p.getOverloadedSamples()).isEqualTo(overloaded);
        if (samples == 0) {
            assertThat(p.getOverloadedShare()).isNull();
        } else {
            assertThat(p.getOverloadedShare()).isCloseTo((double) overloaded / samples, within(1e-9));
        }
    }

    /** One sample of host load 110 on 32 CPUs, through the collectors' sink. */
    private static void sample(KafkaSampleSink sink, String vm, String host, Instant time) throws Exception {
        sink.send(HostLoadSample.newBuilder().setHostId(host).setVmId(vm).setSampleTime(time)
                .setIntervalMillis(10_000).setHostCpus(32).setLoad1(110).setLoad5(110).setLoad15(110).setVmVcpus(8)
                .build()).get();
    }

    /** A TLB-flush report as the agent posts it; X-Panicwatch-File-Time dates it (a legacy report has no date). */
    private void postReport(String ingest, String vm, String host, Instant time, String bootArgs) throws Exception {
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(ingest + PanicReportReceiver.PATH))
                .header("Authorization", "Bearer " + TOKEN).header("X-Panicwatch-Vm-Id", vm)
                .header("X-Panicwatch-Host-Id", host).header("X-Panicwatch-File-Time", time.toString())
                .POST(HttpRequest.BodyPublishers.ofByteArray(SampleReports.tlbFlush(++reports, bootArgs))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    }

    private void postGuestState(String ingest, String vm, String host, Instant time, String bootArgs,
                                Instant bootTime) throws Exception {
        Map<String, Object> state = Map.of("vmId", vm, "hostId", host, "time", time.toString(), "bootArgs", bootArgs,
                "osVersion", "10.15.5", "kernelVersion", KERNEL, "bootTime", bootTime.toString());
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(ingest + GuestStateIntake.PATH))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(state))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(202);
    }

    private JsonNode query(ServedApp app, String path, String name, String value, String... more) throws Exception {
        StringBuilder url = new StringBuilder(app.url()).append(path).append('?').append(name).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        for (int k = 0; k + 1 < more.length; k += 2) {
            url.append('&').append(more[k]).append('=').append(URLEncoder.encode(more[k + 1], StandardCharsets.UTF_8));
        }
        HttpResponse<String> answer = http.send(HttpRequest.newBuilder(URI.create(url.toString()))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("%s: %s", url, answer.body()).isEqualTo(200);
        return JSON.readTree(answer.body());
    }

    private static KafkaConsumer<String, AdviceOutcome> outcomeConsumer(StackEndpoints stack,
                                                                        PanicwatchSerdes serdes) {
        Map<String, Object> config = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers(),
                ConsumerConfig.GROUP_ID_CONFIG, "outcome-loop-it-" + UUID.randomUUID(),
                ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return new KafkaConsumer<>(config, new StringDeserializer(), serdes.adviceOutcomes().deserializer());
    }

    /** The outcome events of this run's VMs, in the order the read_committed consumer read them. */
    private static final class Outcomes {

        final Map<String, List<AdviceOutcome>> byVm = new HashMap<>();
        private final KafkaConsumer<String, AdviceOutcome> consumer;

        Outcomes(KafkaConsumer<String, AdviceOutcome> consumer, List<String> vms) {
            this.consumer = consumer;
            vms.forEach(vm -> byVm.put(vm, new ArrayList<>()));
        }

        void poll() {
            consumer.poll(Duration.ofMillis(500)).forEach(r -> {
                if (byVm.containsKey(r.key())) {
                    byVm.get(r.key()).add(r.value());
                }
            });
        }

        /** Until each VM has at least its count of events (more would fail the exact checks afterwards). */
        void awaitCounts(Map<String, Integer> counts) {
            await("outcome events " + counts).atMost(Duration.ofSeconds(90)).pollInterval(Duration.ZERO).until(() -> {
                poll();
                return counts.entrySet().stream().allMatch(c -> byVm.get(c.getKey()).size() >= c.getValue());
            });
        }

        void pollFor(Duration time) {
            long until = System.nanoTime() + time.toNanos();
            while (System.nanoTime() < until) {
                poll();
            }
        }
    }
}
