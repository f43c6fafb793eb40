package dev.panicwatch.ingest.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.PanicReport;

class ReportedBootArgsTest {

    private static final Instant PANIC = Instant.parse("2026-03-02T09:14:37Z");
    private static final Instant RECEIVED = Instant.parse("2026-03-02T09:20:00Z");

    private static PanicReport report(String bootArgs) throws Exception {
        PanicReport report = new PanicReportFactory().create(SampleReports.tlbFlush(1, null),
                new VmIdentity("pve1/101", "pve1", null, null), PANIC, RECEIVED);
        report.setBootArgs(bootArgs);
        return report;
    }

    @Test
    void theReportsOwnLineIsWhatRanWhenItPanicked() throws Exception {
        GuestState state = ReportedBootArgs.observation(report("keepsyms=1 tlbto_us=0"),
                new VmIdentity("pve1/101", "pve1", null, "keepsyms=1 tlbto_us=0 vti=9")).orElseThrow();

        assertThat(state.getSource()).isEqualTo(GuestStateSource.PANIC_REPORT);
        assertThat(state.getObservedTime()).isEqualTo(PANIC);
        assertThat(state.getReceivedTime()).isEqualTo(RECEIVED);
        assertThat(state.getBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0");
        assertThat(state.getVti()).isEqualTo(6);
        assertThat(state.getTlbtoUs()).isEqualTo(0);
        assertThat(state.getHostId()).isEqualTo("pve1");
        assertThat(state.getAgentVersion()).isNull();
    }

    @Test
    void theSendersReadingIsWhatRunsWhenItWasSent() throws Exception {
        GuestState state = ReportedBootArgs.observation(report("keepsyms=1 vti=9"),
                new VmIdentity("pve1/101", null, null, "keepsyms=1 vti=9")).orElseThrow();

        assertThat(state.getObservedTime()).isEqualTo(RECEIVED);
        assertThat(state.getVti()).isEqualTo(9);
        assertThat(state.getTlbtoUs()).isNull();
    }

    @Test
    void noBootArgsNoObservation() throws Exception {
        assertThat(ReportedBootArgs.observation(report(null), VmIdentity.of("pve1/101"))).isEmpty();
    }
}
