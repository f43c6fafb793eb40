package dev.panicwatch.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.testing.MutableClock;
import dev.panicwatch.ingest.testing.RecordingPublisher;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.HostLoadSample;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;

class ScenarioReplayerTest {

    private static final Instant NOW = Instant.parse("2026-11-26T01:00:00Z");

    @TempDir
    Path dir;

    private final RecordingPublisher kafka = new RecordingPublisher();
    private final List<String> progress = new ArrayList<>();
    private final ScenarioReplayer replayer = new ScenarioReplayer(new PanicReportFactory(), new MutableClock(NOW),
            progress::add);

    private Path scenario() throws Exception {
        Files.createDirectories(dir.resolve("panics"));
        Files.write(dir.resolve("panics/a.panic"), SampleReports.tlbFlush(1, "keepsyms=1"));
        // Written out of time order on purpose: the panic (09:14:37) comes before the sample after it (09:14:50).
        Files.writeString(dir.resolve("events.jsonl"), String.join("\n",
                ScenarioReaderTest.LOAD,
                ScenarioReaderTest.LOAD.replace("09:14:20Z", "09:14:50Z"),
                ScenarioReaderTest.PANIC));
        return dir;
    }

    @Test
    void shiftsAllTimesSoTheLastEventIsNow() throws Exception {
        ScenarioReplayer.ReplayResult result = replayer.replay(scenario(), false, kafka);

        assertThat(result.loadSamples()).isEqualTo(2);
        assertThat(result.panicReports()).isEqualTo(1);
        // The last event is the sample at 09:14:50; it lands at NOW, so everything moves by NOW − 09:14:50.
        Duration shift = Duration.between(Instant.parse("2026-03-02T09:14:50Z"), NOW);
        assertThat(result.shift()).isEqualTo(shift);

        List<RecordingPublisher.Sent> sent = kafka.sent();
        // The panic line's boot-args also go to guest-state, as the receiver publishes a report's.
        assertThat(sent).extracting(RecordingPublisher.Sent::topic)
                .containsExactly(Topics.HOST_LOAD, Topics.PANIC_REPORTS, Topics.GUEST_STATE, Topics.HOST_LOAD);
        HostLoadSample last = (HostLoadSample) sent.get(3).value();
        assertThat(last.getSampleTime()).isEqualTo(NOW);
        assertThat(sent.get(3).timestamp()).isEqualTo(NOW);
        assertThat(sent.get(3).key()).isEqualTo("pve1/101");
        GuestState reported = (GuestState) sent.get(2).value();
        assertThat(reported.getSource()).isEqualTo(GuestStateSource.PANIC_REPORT);
        assertThat(reported.getObservedTime()).isEqualTo(NOW.minusSeconds(13));
        assertThat(reported.getVti()).isEqualTo(6);

        PanicReport panic = (PanicReport) sent.get(1).value();
        // 09:14:37 is 13 s before the last event: NOW − 13 s.
        assertThat(panic.getPanicTime()).isEqualTo(NOW.minusSeconds(13));
        assertThat(panic.getVmId()).isEqualTo("pve1/101");
        assertThat(panic.getHostId()).isEqualTo("pve1");
        assertThat(panic.getBootArgs()).isEqualTo("keepsyms=1");
        assertThat(progress).last().asString()
                .isEqualTo("replayed 2 load samples, 1 panic reports and 1 guest states");
        assertThat(result.guestStates()).isEqualTo(1);
    }

    @Test
    void aGuestLineGoesToGuestStateWithItsTimesShifted() throws Exception {
        scenario();
        // The guest line (09:20:00, booted 09:18:00) is the last event: it lands at NOW.
        Files.writeString(dir.resolve("events.jsonl"), String.join("\n", ScenarioReaderTest.LOAD,
                ScenarioReaderTest.GUEST));

        ScenarioReplayer.ReplayResult result = replayer.replay(dir, false, kafka);

        assertThat(result.guestStates()).isEqualTo(1);
        RecordingPublisher.Sent sent = kafka.sentTo(Topics.GUEST_STATE).get(0);
        GuestState state = (GuestState) sent.value();
        assertThat(sent.key()).isEqualTo("pve1/101");
        assertThat(sent.timestamp()).isEqualTo(NOW);
        assertThat(state.getObservedTime()).isEqualTo(NOW);
        assertThat(state.getReceivedTime()).isEqualTo(NOW);
        // 2 minutes before the observation, as written.
        assertThat(state.getBootTime()).isEqualTo(NOW.minusSeconds(120));
        assertThat(state.getSource()).isEqualTo(GuestStateSource.SCENARIO);
        assertThat(state.getBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(state.getVti()).isEqualTo(9);
        assertThat(state.getTlbtoUs()).isEqualTo(0);
        assertThat(state.getXnuVersion()).isEqualTo("xnu-6153.121.2");
        assertThat(state.getOsVersion()).isEqualTo("10.15.5");
    }

    @Test
    void oneFileStandingForSeveralPanicsGivesSeveralReports() throws Exception {
        scenario();
        String other = ScenarioReaderTest.PANIC.replace("pve1/101", "pve1/102");
        String later = ScenarioReaderTest.PANIC.replace("09:14:37Z", "09:29:52Z");
        // Lines 1-2: the same VM, time and file twice (a re-sent report); 3: another VM; 4: a later panic.
        Files.writeString(dir.resolve("events.jsonl"), String.join("\n", ScenarioReaderTest.PANIC,
                ScenarioReaderTest.PANIC, other, later));
        replayer.replay(dir, false, kafka);
        List<String> ids = kafka.sentTo(Topics.PANIC_REPORTS).stream()
                .map(s -> ((PanicReport) s.value()).getReportId()).toList();
        assertThat(ids).hasSize(4);
        assertThat(ids.get(0)).isEqualTo(ids.get(1));
        assertThat(ids.subList(1, 4)).doesNotHaveDuplicates();
        // The id is the SHA-256 of "<vmId>\n<time as written>\n" followed by the file's bytes.
        byte[] identity = "pve1/101\n2026-03-02T09:14:37Z\n".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] content = SampleReports.tlbFlush(1, "keepsyms=1");
        byte[] whole = java.util.Arrays.copyOf(identity, identity.length + content.length);
        System.arraycopy(content, 0, whole, identity.length, content.length);
        assertThat(ids.get(0)).isEqualTo(PanicReportFactory.reportId(whole));
    }

    @Test
    void keepTimesPublishesTheTimesAsWritten() throws Exception {
        replayer.replay(scenario(), true, kafka);
        assertThat(((PanicReport) kafka.sentTo(Topics.PANIC_REPORTS).get(0).value()).getPanicTime())
                .isEqualTo(Instant.parse("2026-03-02T09:14:37Z"));
        assertThat(((HostLoadSample) kafka.sentTo(Topics.HOST_LOAD).get(0).value()).getSampleTime())
                .isEqualTo(Instant.parse("2026-03-02T09:14:20Z"));
    }

    @Test
    void aFailedPublishNamesTheLine() throws Exception {
        kafka.mode(RecordingPublisher.Mode.FAIL);
        assertThatThrownBy(() -> replayer.replay(scenario(), false, kafka))
                .hasMessageContaining("events.jsonl line 1")
                .hasMessageContaining("broker unreachable (test)");
    }
}
