package dev.panicwatch.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.publish.IdempotentPublisher;
import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.testing.TopicFixture;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.testkit.IntegrationTest;
import dev.panicwatch.testkit.StackEndpoints;

/** The bundled seed scenario replayed onto the real broker, read back from the three topics. */
@IntegrationTest
class ScenarioReplayIT {

    @Test
    void replaysTheSeedScenario(StackEndpoints stack, @TempDir Path dir) throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        Path seed = BundledScenarios.extract(BundledScenarios.SEED, dir);
        List<String> progress = new ArrayList<>();
        ScenarioReplayer replayer = new ScenarioReplayer(new PanicReportFactory(), Clock.systemUTC(), progress::add);

        Instant before = Instant.now();
        ScenarioReplayer.ReplayResult result;
        try (IdempotentPublisher publisher = IdempotentPublisher.create(
                KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()))) {
            result = replayer.replay(seed, false, publisher);
        }
        Instant after = Instant.now();

        // Counted in the scenario's events.jsonl with grep -c (see its README): 485 load lines, 5 panic lines.
        assertThat(result.loadSamples()).isEqualTo(485);
        assertThat(result.panicReports()).isEqualTo(5);

        List<HostLoadSample> samples = TopicFixture.readAll(stack.clientConfig(), Topics.HOST_LOAD,
                HostLoadSample.class).stream().map(ConsumerRecord::value)
                .filter(s -> s.getHostId().equals("pve1") || s.getHostId().equals("pve2"))
                .filter(s -> !s.getSampleTime().isBefore(before.minusSeconds(3600))).toList();
        assertThat(samples).hasSize(485);
        // The last event of the scenario (pve2/202's sample at 09:52:40) lands at the time of the replay.
        Instant last = samples.stream().map(HostLoadSample::getSampleTime).max(Comparator.naturalOrder()).orElseThrow();
        assertThat(last).isBetween(before.minusMillis(1), after);

        List<PanicReport> panics = TopicFixture.readAll(stack.clientConfig(), Topics.PANIC_REPORTS, PanicReport.class)
                .stream().map(ConsumerRecord::value)
                .filter(r -> !r.getPanicTime().isBefore(before.minusSeconds(3600)))
                .filter(r -> r.getVmId().startsWith("pve1/") || r.getVmId().startsWith("pve2/")).toList();
        Map<String, String> bootArgsByVm = panics.stream()
                .collect(Collectors.toMap(PanicReport::getVmId, PanicReport::getBootArgs));
        assertThat(bootArgsByVm).containsExactlyInAnyOrderEntriesOf(Map.of(
                "pve1/101", "keepsyms=1", "pve1/102", "keepsyms=1", "pve1/103", "keepsyms=1 tlbto_us=0",
                "pve2/201", "keepsyms=1", "pve2/202", "keepsyms=1"));
        // pve1/103 panicked at 09:44:18, 8 min 22 s before the last event: that far before the replay time.
        PanicReport spinlock = panics.stream().filter(r -> r.getVmId().equals("pve1/103")).findFirst().orElseThrow();
        assertThat(spinlock.getPanicTime()).isEqualTo(last.minusSeconds(8 * 60 + 22));
        // The seed has no guest lines; each panic line's boot-args are an observation, as the receiver makes them,
        // read back through the registry as Avro GuestState records.
        assertThat(result.guestStates()).isEqualTo(5);
        Map<String, GuestState> guests = TopicFixture.readAll(stack.clientConfig(), Topics.GUEST_STATE,
                        GuestState.class).stream().map(ConsumerRecord::value)
                .filter(g -> !g.getObservedTime().isBefore(before.minusSeconds(3600)))
                .filter(g -> g.getVmId().startsWith("pve1/") || g.getVmId().startsWith("pve2/"))
                .collect(Collectors.toMap(GuestState::getVmId, g -> g));
        assertThat(guests).containsOnlyKeys(bootArgsByVm.keySet());
        assertThat(guests.get("pve1/103").getObservedTime()).isEqualTo(spinlock.getPanicTime());
        assertThat(guests.get("pve1/103").getTlbtoUs()).isEqualTo(0);
        assertThat(guests.get("pve1/103").getVti()).isEqualTo(6);
        assertThat(guests.get("pve1/103").getSource()).isEqualTo(GuestStateSource.PANIC_REPORT);
        assertThat(progress).last().asString()
                .isEqualTo("replayed 485 load samples, 5 panic reports and 5 guest states");
    }

    @Test
    void aGuestLineIsReadBackAsAGuestStateThroughTheRegistry(StackEndpoints stack, @TempDir Path dir)
            throws Exception {
        TopicFixture.ensureTopics(stack.clientConfig());
        String vm = "replay-" + java.util.UUID.randomUUID().toString().substring(0, 8) + "/101";
        java.nio.file.Files.writeString(dir.resolve(ScenarioReader.EVENTS_FILE), ScenarioReaderTest.GUEST
                .replace("pve1/101", vm) + "\n");

        ScenarioReplayer.ReplayResult result;
        try (IdempotentPublisher publisher = IdempotentPublisher.create(
                KafkaConnection.of(stack.bootstrapServers(), stack.schemaRegistryUrl()))) {
            result = new ScenarioReplayer(new PanicReportFactory(), Clock.systemUTC(), line -> { })
                    .replay(dir, true, publisher);
        }

        assertThat(result.guestStates()).isEqualTo(1);
        List<ConsumerRecord<String, GuestState>> records = TopicFixture.readAll(stack.clientConfig(),
                Topics.GUEST_STATE, GuestState.class).stream().filter(r -> r.key().equals(vm)).toList();
        assertThat(records).hasSize(1);
        GuestState state = records.get(0).value();
        // --keep-times: as written in the line.
        assertThat(records.get(0).timestamp()).isEqualTo(Instant.parse("2026-03-02T09:20:00Z").toEpochMilli());
        assertThat(state.getBootTime()).isEqualTo(Instant.parse("2026-03-02T09:18:00Z"));
        assertThat(state.getSource()).isEqualTo(GuestStateSource.SCENARIO);
        assertThat(state.getVti()).isEqualTo(9);
        assertThat(state.getTlbtoUs()).isEqualTo(0);
        assertThat(state.getXnuVersion()).isEqualTo("xnu-6153.121.2");
    }
}
