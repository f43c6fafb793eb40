package dev.panicwatch.ingest.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.schemas.HostLoadSample;

class ScenarioReaderTest {

    static final String LOAD = "{\"type\":\"load\",\"hostId\":\"pve1\",\"vmId\":\"pve1/101\","
            + "\"sampleTime\":\"2026-03-02T09:14:20Z\",\"intervalMillis\":10000,\"hostCpus\":32,\"load1\":110.0,"
            + "\"load5\":105.2,\"load15\":101.1,\"vmVcpus\":8,\"vcpuWaitRatioMax\":0.55}";
    static final String PANIC = "{\"type\":\"panic\",\"vmId\":\"pve1/101\",\"hostId\":\"pve1\","
            + "\"time\":\"2026-03-02T09:14:37Z\",\"file\":\"panics/a.panic\",\"bootArgs\":\"keepsyms=1\"}";

    /** The guest line of the format, as documented in the seed scenario's README. */
    static final String GUEST = "{\"type\":\"guest\",\"vmId\":\"pve1/101\",\"hostId\":\"pve1\","
            + "\"time\":\"2026-03-02T09:20:00Z\",\"bootArgs\":\"keepsyms=1 tlbto_us=0 vti=9\",\"osVersion\":\"10.15.5\","
            + "\"kernelVersion\":\"Darwin Kernel Version 19.5.0: Tue May 26 20:41:44 PDT 2020; "
            + "root:xnu-6153.121.2~2/RELEASE_X86_64\",\"bootTime\":\"2026-03-02T09:18:00Z\"}";

    @TempDir
    Path dir;

    private final ScenarioReader reader = new ScenarioReader(new PanicReportFactory());

    private Path scenario(String events) throws IOException {
        Files.createDirectories(dir.resolve("panics"));
        Files.write(dir.resolve("panics/a.panic"), SampleReports.tlbFlush(1, "keepsyms=1"));
        Files.writeString(dir.resolve("notes.txt"), "not a panic\n");
        Files.writeString(dir.resolve(ScenarioReader.EVENTS_FILE), events);
        return dir;
    }

    @Test
    void readsLoadSamplesByTheirAvroNamesAndPanicsWithTheirFiles() throws Exception {
        Scenario scenario = reader.read(scenario(LOAD + "\n\n" + PANIC + "\n"));
        assertThat(scenario.events()).hasSize(2);
        HostLoadSample sample = ((ScenarioEvent.Load) scenario.events().get(0)).sample();
        assertThat(sample.getHostId()).isEqualTo("pve1");
        assertThat(sample.getSampleTime()).isEqualTo(Instant.parse("2026-03-02T09:14:20Z"));
        assertThat(sample.getHostCpus()).isEqualTo(32);
        assertThat(sample.getLoad1()).isEqualTo(110.0);
        assertThat(sample.getVcpuWaitRatioMax()).isEqualTo(0.55);
        assertThat(sample.getCpuPressureSome10()).as("optional and absent").isNull();

        ScenarioEvent.Panic panic = (ScenarioEvent.Panic) scenario.events().get(1);
        assertThat(panic.line()).isEqualTo(3);
        assertThat(panic.vm().vmId()).isEqualTo("pve1/101");
        assertThat(panic.vm().bootArgs()).isEqualTo("keepsyms=1");
        assertThat(panic.time()).isEqualTo(Instant.parse("2026-03-02T09:14:37Z"));
        assertThat(panic.content()).isEqualTo(SampleReports.tlbFlush(1, "keepsyms=1"));
        assertThat(scenario.latestTime()).isEqualTo(Instant.parse("2026-03-02T09:14:37Z"));
    }

    @Test
    void reportsEveryBadLineWithItsNumberAndPublishesNothing() throws Exception {
        String events = String.join("\n",
                LOAD,                                                                  // 1 good
                "{\"type\":\"load\",\"hostId\":\"pve1\"",                              // 2 truncated JSON
                "{\"type\":\"cpu\"}",                                                  // 3 unknown type
                LOAD.replace(",\"hostCpus\":32", ""),                                  // 4 required field missing
                LOAD.replace("\"load1\"", "\"load_1\""),                               // 5 typo in a required field
                PANIC.replace("panics/a.panic", "panics/missing.panic"),               // 6 file not there
                PANIC.replace("panics/a.panic", "../../etc/passwd"),                   // 7 outside the folder
                PANIC.replace("2026-03-02T09:14:37Z", "09:14"),                        // 8 not a time
                LOAD.replace("\"vcpuWaitRatioMax\":0.55", "\"vcpuWaitRatioMax\":55"),  // 9 out of range
                LOAD.replace("\"hostCpus\":32", "\"hostCpus\":32.5"),                  // 10 not whole
                "[1,2]");                                                              // 11 not an object
        Path folder = scenario(events);
        ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> reader.read(folder));
        assertThat(e.problems()).hasSize(10);
        assertThat(e.problems().get(0)).startsWith("events.jsonl line 2: not valid JSON");
        assertThat(e.problems().get(1)).startsWith("events.jsonl line 3: unknown type \"cpu\"");
        assertThat(e.problems().get(2)).startsWith("events.jsonl line 4: load sample has no \"hostCpus\"");
        assertThat(e.problems().get(3)).startsWith("events.jsonl line 5: load sample has no \"load1\"")
                .endsWith("unknown field(s) [load_1] ignored (a typo?)");
        assertThat(e.problems().get(4)).startsWith("events.jsonl line 6: panic file \"panics/missing.panic\" not found");
        assertThat(e.problems().get(5)).startsWith("events.jsonl line 7: panic file \"../../etc/passwd\" lies outside");
        assertThat(e.problems().get(6)).startsWith("events.jsonl line 8: \"time\" is not an ISO-8601 time");
        assertThat(e.problems().get(7)).startsWith("events.jsonl line 9: vcpuWaitRatioMax must be between 0 and 1");
        assertThat(e.problems().get(8)).startsWith("events.jsonl line 10: \"hostCpus\" must be a whole number");
        assertThat(e.problems().get(9)).startsWith("events.jsonl line 11: expected a JSON object, found array");
        assertThat(e.getMessage()).startsWith("the scenario has 10 problems; nothing was published:");
    }

    @Test
    void whatALiveSystemWouldAlsoMeetIsAWarningNotAnError() throws Exception {
        String events = String.join("\n",
                LOAD.replace("}", ",\"note\":\"peak\"}"),                              // 1 extra field
                PANIC.replace("panics/a.panic", "notes.txt"),                          // 2 file without a panic
                PANIC.replace("}", ",\"comment\":\"seed\"}"),                            // 3 extra field
                LOAD.replace("\"hostCpus\":32", "\"hostCpus\":32.0")                     // 4 32.0 is 32
                        .replace("2026-03-02T09:14:20Z", "2026-03-02T09:14:30"));     //   no offset: UTC
        Scenario scenario = reader.read(scenario(events));
        assertThat(scenario.events()).extracting(ScenarioEvent::line).containsExactly(1, 3, 4);
        assertThat(scenario.warnings()).hasSize(3);
        assertThat(scenario.warnings().get(0)).startsWith("events.jsonl line 1: unknown field(s) [note] of a load "
                + "sample ignored");
        assertThat(scenario.warnings().get(1)).startsWith("events.jsonl line 2: panic file \"notes.txt\" holds no "
                + "panic, skipped");
        assertThat(scenario.warnings().get(2)).startsWith("events.jsonl line 3: unknown field(s) [comment]");
        HostLoadSample last = ((ScenarioEvent.Load) scenario.events().get(2)).sample();
        assertThat(last.getHostCpus()).isEqualTo(32);
        assertThat(last.getSampleTime()).isEqualTo(Instant.parse("2026-03-02T09:14:30Z"));
    }

    @Test
    void readsGuestLinesWithOnlyVmIdTimeAndBootArgsRequired() throws Exception {
        String minimal = "{\"type\":\"guest\",\"vmId\":\"pve1/102\",\"time\":\"2026-03-02T09:21:00\","
                + "\"bootArgs\":\"\",\"colour\":\"red\"}";
        Scenario scenario = reader.read(scenario(GUEST + "\n" + minimal));

        assertThat(scenario.count(ScenarioEvent.Guest.class)).isEqualTo(2);
        ScenarioEvent.Guest full = (ScenarioEvent.Guest) scenario.events().get(0);
        assertThat(full.time()).isEqualTo(Instant.parse("2026-03-02T09:20:00Z"));
        assertThat(full.state().getVti()).isEqualTo(9);
        assertThat(full.state().getTlbtoUs()).isEqualTo(0);
        assertThat(full.state().getKernelVersion()).startsWith("Darwin Kernel Version 19.5.0");
        assertThat(full.state().getBootTime()).isEqualTo(Instant.parse("2026-03-02T09:18:00Z"));
        ScenarioEvent.Guest bare = (ScenarioEvent.Guest) scenario.events().get(1);
        assertThat(bare.time()).as("no offset: UTC, as in every line").isEqualTo(Instant.parse("2026-03-02T09:21:00Z"));
        assertThat(bare.state().getBootArgs()).as("\"\": no boot-args").isNull();
        assertThat(bare.state().getVti()).isEqualTo(6);
        assertThat(bare.state().getHostId()).isNull();
        assertThat(scenario.warnings()).containsExactly("events.jsonl line 2: unknown field(s) [colour] of a guest "
                + "event ignored; the fields are " + new java.util.TreeSet<>(dev.panicwatch.ingest.guest.GuestStateJson.FIELDS));
    }

    @Test
    void badGuestLinesAreErrorsNamingTheField() throws Exception {
        String events = String.join("\n",
                GUEST.replace(",\"time\":\"2026-03-02T09:20:00Z\"", ""),                     // 1 no time
                GUEST.replace("\"bootArgs\":\"keepsyms=1 tlbto_us=0 vti=9\",", ""),            // 2 no bootArgs
                GUEST.replace("\"vmId\":\"pve1/101\",", ""),                                  // 3 no vmId
                GUEST.replace("2026-03-02T09:18:00Z", "yesterday"),                            // 4 bad bootTime
                GUEST.replace("2026-03-02T09:18:00Z", "2026-03-02T09:30:00Z"),                 // 5 booted later
                GUEST.replace("10.15.5", "Catalina"),                                          // 6 not a version
                GUEST.replace("\"bootArgs\":\"keepsyms=1 tlbto_us=0 vti=9\"", "\"bootArgs\":9")); // 7 not a string
        Path folder = scenario(events);
        ScenarioException e = catchThrowableOfType(ScenarioException.class, () -> reader.read(folder));

        assertThat(e.problems()).containsExactly(
                "events.jsonl line 1: guest event has no \"time\"",
                "events.jsonl line 2: guest event has no \"bootArgs\" (give \"\" for a guest without boot-args)",
                "events.jsonl line 3: guest event has no \"vmId\"",
                "events.jsonl line 4: \"bootTime\" is not an ISO-8601 time (e.g. 2026-03-02T09:15:00Z): \"yesterday\"",
                "events.jsonl line 5: guest event: \"bootTime\" 2026-03-02T09:30:00Z is after \"time\" "
                        + "2026-03-02T09:20:00Z: a guest cannot be observed before it booted",
                "events.jsonl line 6: guest event: \"osVersion\" must be a macOS version such as 10.15.5 "
                        + "(sw_vers -productVersion), found \"Catalina\"",
                "events.jsonl line 7: guest event: \"bootArgs\" must be a string, found 9");
    }

    @Test
    void aFolderWithoutEventsIsAClearError() {
        assertThatThrownBy(() -> reader.read(dir)).isInstanceOf(ScenarioException.class)
                .hasMessageContaining("no events.jsonl in " + dir);
    }

    @Test
    void theBundledSeedScenarioIsValid() throws Exception {
        Path seed = BundledScenarios.extract(BundledScenarios.SEED, dir.resolve("seed"));
        Scenario scenario = reader.read(seed);
        // grep -c '"type":"load"' / '"type":"panic"' on the bundled events.jsonl: 485 and 5 (see its README).
        assertThat(scenario.count(ScenarioEvent.Load.class)).isEqualTo(485);
        assertThat(scenario.count(ScenarioEvent.Panic.class)).isEqualTo(5);
        assertThat(scenario.latestTime()).isEqualTo(Instant.parse("2026-03-02T09:52:40Z"));
    }

    @Test
    void theBundledLoopScenarioIsValidAndHoldsWhatItsReadmeSays() throws Exception {
        Scenario scenario = reader.read(BundledScenarios.extract(BundledScenarios.LOOP, dir.resolve("loop")));
        assertThat(scenario.warnings()).isEmpty();
        // Its README: samples every 10 s, pve3/301 10:00:00..10:55:10 (332), pve3/304 and pve4/401
        // 10:00:00..11:04:00 (385 each); 3 panics, 3 guest lines.
        assertThat(scenario.count(ScenarioEvent.Load.class)).isEqualTo(332 + 385 + 385);
        assertThat(scenario.count(ScenarioEvent.Panic.class)).isEqualTo(3);
        assertThat(scenario.count(ScenarioEvent.Guest.class)).isEqualTo(3);
        assertThat(scenario.latestTime()).isEqualTo(Instant.parse("2026-03-02T11:04:00Z"));
        // The guests' reported vti: parsed from the boot-args, 6 where they set none.
        assertThat(scenario.events().stream().filter(e -> e instanceof ScenarioEvent.Guest)
                .map(e -> ((ScenarioEvent.Guest) e).state())
                .map(g -> g.getVmId() + " vti=" + g.getVti() + " tlbto_us=" + g.getTlbtoUs()))
                .containsExactly("pve3/304 vti=6 tlbto_us=null", "pve4/401 vti=10 tlbto_us=0",
                        "pve3/301 vti=9 tlbto_us=0");
    }
}
