package dev.panicwatch.ingest.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.panicwatch.ingest.guest.GuestStateIntake;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.panic.http.PanicReportIntake;
import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.ingest.testing.GuestAgent;
import dev.panicwatch.ingest.testing.RecordingPublisher;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.Topics;

/**
 * What the guest agent reads from a macOS guest and reports on {@code POST /v1/guest-state}: bash on Linux with
 * stand-ins for sysctl, sw_vers, uname, ioreg and log (see {@link GuestAgent}), the real receiver in front of a
 * recording publisher. The expected values are the stand-ins' answers, read as macOS would have them.
 */
class GuestAgentStateTest {

    private static final String TOKEN = "state-token";
    private static final String UUID = "4C4C4544-0031-3510-8052-B3C04F563132";

    @TempDir
    Path dir;
    private final RecordingPublisher kafka = new RecordingPublisher();
    private PanicReportReceiver receiver;
    private GuestAgent agent;

    @BeforeEach
    void start() throws IOException {
        PanicReportIntake reports = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(5),
                new PanicReportFactory(), new PanicReportPublisher(kafka, PublishedLedger.inMemory()),
                Clock.systemUTC());
        GuestStateIntake states = new GuestStateIntake(TOKEN, Duration.ofSeconds(5), kafka, Clock.systemUTC());
        receiver = PanicReportReceiver.start("127.0.0.1", 0, reports, states);
        agent = new GuestAgent(dir, "keepsyms=1 tlbto_us=0 vti=9", UUID);
    }

    @AfterEach
    void stop() {
        receiver.close();
    }

    @Test
    void reportsWhatTheGuestRunsOnEveryRun() throws Exception {
        agent.withBootLog(true);
        Instant before = Instant.now().minusSeconds(1);

        GuestAgent.Run run = run();

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        GuestState state = only();
        assertThat(state.getVmId()).isEqualTo("pve1/104");
        assertThat(state.getHostId()).isEqualTo("pve1");
        assertThat(state.getSmbiosUuid()).isEqualTo(UUID);
        assertThat(state.getSource()).isEqualTo(GuestStateSource.AGENT);
        assertThat(state.getBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(state.getVti()).isEqualTo(9);
        assertThat(state.getTlbtoUs()).isEqualTo(0);
        assertThat(state.getOsVersion()).isEqualTo("10.15.5");
        assertThat(state.getOsBuild()).isEqualTo("19F101");
        assertThat(state.getKernelVersion()).isEqualTo(GuestAgent.KERNEL_10_15_5);
        assertThat(state.getXnuVersion()).isEqualTo("xnu-6153.121.2");
        // kern.boottime's sec = 1593590800: 2020-07-01 08:06:40 UTC.
        assertThat(state.getBootTime()).isEqualTo(Instant.parse("2020-07-01T08:06:40Z"));
        assertThat(state.getCpus()).isEqualTo(8);
        assertThat(state.getBootLogVti()).isEqualTo(9);
        assertThat(state.getAgentVersion()).isEqualTo("0.1.0");
        // The agent's clock, to the second.
        assertThat(state.getObservedTime()).isBetween(before, Instant.now());

        // The second run reports again (and would report a change of boot-args), but reads the boot log only once.
        agent.bootArgs("keepsyms=1");
        assertThat(run().exitCode()).isZero();
        List<GuestState> states = states();
        assertThat(states).hasSize(2);
        assertThat(states.get(1).getBootArgs()).isEqualTo("keepsyms=1");
        assertThat(states.get(1).getVti()).isEqualTo(6);
        assertThat(states.get(1).getTlbtoUs()).isNull();
        assertThat(states.get(1).getBootLogVti()).as("remembered for this boot").isEqualTo(9);
        assertThat(agent.bootLogCalls()).isEqualTo(1);
    }

    @Test
    void aRebootIsANewBootTimeAndReadsTheBootLogAgain() throws Exception {
        agent.withBootLog(true);
        assertThat(run().exitCode()).isZero();
        agent.bootTime(GuestAgent.BOOT_SECONDS + 86_400);

        assertThat(run().exitCode()).isZero();

        assertThat(agent.bootLogCalls()).isEqualTo(2);
        assertThat(states().get(1).getBootTime()).isEqualTo(Instant.parse("2020-07-02T08:06:40Z"));
    }

    @Test
    void withoutTheLogCommandTheBootLogIsNotLookedAt() throws Exception {
        GuestAgent.Run run = run();

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(only().getBootLogVti()).isNull();
        assertThat(agent.bootLogCalls()).isZero();
    }

    @Test
    void vtiAndTlbtoUsAreReadAsTheKernelReadsThem() throws Exception {
        // hex; the first token of a name wins; a token that is no number (or does not fit an int) is ignored
        // (default 6), and so is its repeat.
        Map<String, Integer> vtiOf = new LinkedHashMap<>();
        vtiOf.put("keepsyms=1 vti=0xa", 10);
        vtiOf.put("vti=12 vti=9", 12);
        vtiOf.put("vti=abc vti=9", 6);
        vtiOf.put("-v keepsyms=1", 6);
        vtiOf.put("vti=+8", 8);
        vtiOf.put("vti=99999999999 vti=9", 6);
        vtiOf.put("tlbto_us=0x10 vti=007", 7);
        for (Map.Entry<String, Integer> bootArgs : vtiOf.entrySet()) {
            agent.bootArgs(bootArgs.getKey());
            GuestAgent.Run run = run();
            assertThat(run.exitCode()).as(bootArgs.getKey() + ": " + run.stderr()).isZero();
            GuestState last = states().get(states().size() - 1);
            assertThat(last.getVti()).as(bootArgs.getKey()).isEqualTo(bootArgs.getValue());
        }
        assertThat(states().get(6).getTlbtoUs()).as("tlbto_us=0x10").isEqualTo(16);
    }

    @Test
    void quotesAndBackslashesInTheBootArgsReachTheReceiverIntact() throws Exception {
        agent.bootArgs("keepsyms=1 msg=\"a\\b\" vti=8");

        GuestAgent.Run run = run();

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(only().getBootArgs()).isEqualTo("keepsyms=1 msg=\"a\\b\" vti=8");
        assertThat(only().getVti()).isEqualTo(8);
    }

    @Test
    void aReceiverWithoutTheEndpointStillGetsTheReports() throws Exception {
        PanicReportIntake reports = new PanicReportIntake(TOKEN, 1 << 20, Duration.ofSeconds(5),
                new PanicReportFactory(), new PanicReportPublisher(kafka, PublishedLedger.inMemory()),
                Clock.systemUTC());
        try (PanicReportReceiver older = PanicReportReceiver.start("127.0.0.1", 0, reports)) {
            GuestAgent.Run run = agent.run("http://127.0.0.1:" + older.port(), TOKEN, 1, settings());

            assertThat(run.exitCode()).as(run.stderr()).isZero();
            assertThat(run.stderr()).contains("receiver has no /v1/guest-state");
        }
        assertThat(states()).isEmpty();
    }

    @Test
    void aGuestStateKafkaDidNotTakeMakesTheRunExit75() throws Exception {
        kafka.mode(RecordingPublisher.Mode.FAIL);

        GuestAgent.Run run = run();

        assertThat(run.exitCode()).isEqualTo(75);
        assertThat(run.stderr()).contains("receiver answered 503 for the guest state");
    }

    private GuestAgent.Run run() throws IOException, InterruptedException {
        return agent.run("http://127.0.0.1:" + receiver.port(), TOKEN, 1, settings());
    }

    private static Map<String, String> settings() {
        return Map.of("PANICWATCH_ALLOW_HTTP", "1", "PANICWATCH_VM_ID", "pve1/104", "PANICWATCH_HOST_ID", "pve1");
    }

    private List<GuestState> states() {
        return kafka.sentTo(Topics.GUEST_STATE).stream().map(s -> (GuestState) s.value()).toList();
    }

    private GuestState only() {
        assertThat(states()).hasSize(1);
        return states().get(0);
    }
}
