package dev.panicwatch.ingest.panic.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.PublishedLedger;
import dev.panicwatch.ingest.testing.MutableClock;
import dev.panicwatch.ingest.testing.RecordingPublisher;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;

class PanicReportIntakeTest {

    private static final String TOKEN = "s3cret-token";
    private static final Instant NOW = Instant.parse("2026-03-02T09:15:00Z");
    private final RecordingPublisher kafka = new RecordingPublisher();
    private final PanicReportIntake intake = new PanicReportIntake(TOKEN, 4096, Duration.ofSeconds(1),
            new PanicReportFactory(), new PanicReportPublisher(kafka, PublishedLedger.inMemory()),
            new MutableClock(NOW));

    private static ReportSubmission submission(String authorization, String vmId, byte[] body) {
        return new ReportSubmission(authorization, vmId, "pve1", null, "keepsyms=1", null, body, body.length, false);
    }

    private static Object error(Verdict verdict) {
        return verdict.body().get("error");
    }

    @Test
    void acceptsAGoodReportOnceKafkaAcknowledged() {
        byte[] report = SampleReports.tlbFlush(1, null);
        Verdict verdict = intake.submit(submission("Bearer " + TOKEN, "pve1/101", report));
        assertThat(verdict.status()).isEqualTo(202);
        assertThat(verdict.body()).containsEntry("reportId", PanicReportFactory.reportId(report))
                .containsEntry("duplicate", false);
        PanicReport published = (PanicReport) kafka.sent().get(0).value();
        assertThat(published.getVmId()).isEqualTo("pve1/101");
        assertThat(published.getHostId()).isEqualTo("pve1");
        assertThat(published.getBootArgs()).isEqualTo("keepsyms=1");
        assertThat(published.getPanicTime()).as("no date in the report, no file time: received time").isEqualTo(NOW);
    }

    @Test
    void aNewReportsBootArgsAreAlsoAGuestStateObservationButADuplicatesAreNot() {
        intake.observeBootArgs(kafka);
        byte[] report = SampleReports.tlbFlush(1, null);

        intake.submit(submission("Bearer " + TOKEN, "pve1/101", report));
        intake.submit(submission("Bearer " + TOKEN, "pve1/101", report));

        assertThat(kafka.sentTo(Topics.PANIC_REPORTS)).hasSize(1);
        assertThat(kafka.sentTo(Topics.GUEST_STATE)).hasSize(1);
        RecordingPublisher.Sent sent = kafka.sentTo(Topics.GUEST_STATE).get(0);
        GuestState state = (GuestState) sent.value();
        assertThat(sent.key()).isEqualTo("pve1/101");
        // No Boot args: line in this report: the header's reading, observed when it arrived.
        assertThat(state.getBootArgs()).isEqualTo("keepsyms=1");
        assertThat(state.getObservedTime()).isEqualTo(NOW);
        assertThat(state.getSource()).isEqualTo(GuestStateSource.PANIC_REPORT);
        assertThat(intake.counters()).containsEntry("bootArgsObserved", 1L);
    }

    @Test
    void aGuestStateKafkaDidNotTakeDoesNotFailTheStoredReport() {
        RecordingPublisher guestKafka = new RecordingPublisher();
        guestKafka.mode(RecordingPublisher.Mode.FAIL);
        intake.observeBootArgs(guestKafka);

        Verdict verdict = intake.submit(submission("Bearer " + TOKEN, "pve1/101", SampleReports.tlbFlush(1, null)));

        assertThat(verdict.status()).isEqualTo(202);
        assertThat(guestKafka.sent()).hasSize(1);
        assertThat(intake.counters()).containsEntry("bootArgsObserved", 0L);
    }

    @Test
    void theSameReportAgainIsADuplicateAndNotResent() {
        byte[] report = SampleReports.tlbFlush(1, null);
        intake.submit(submission("Bearer " + TOKEN, "pve1/101", report));
        Verdict again = intake.submit(submission("Bearer " + TOKEN, "pve1/101", report));
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.body()).containsEntry("duplicate", true);
        assertThat(kafka.sent()).hasSize(1);
    }

    @Test
    void theFileTimeHeaderIsThePanicTimeWhenTheReportHasNone() {
        ReportSubmission s = new ReportSubmission("Bearer " + TOKEN, "pve1/101", null, null, null, "1772442877",
                SampleReports.tlbFlush(1, null), 100, false);
        assertThat(intake.submit(s).status()).isEqualTo(202);
        // 1772442877 s after the epoch = 2026-03-02T09:14:37Z (date -u -d @1772442877).
        assertThat(((PanicReport) kafka.sent().get(0).value()).getPanicTime())
                .isEqualTo(Instant.parse("2026-03-02T09:14:37Z"));
    }

    @Test
    void rejectsMissingMalformedAndWrongTokens() {
        byte[] report = SampleReports.tlbFlush(1, null);
        Verdict missing = intake.submit(submission(null, "pve1/101", report));
        Verdict basic = intake.submit(submission("Basic dXNlcjpwYXNz", "pve1/101", report));
        Verdict wrong = intake.submit(submission("Bearer s3cret-tokeN", "pve1/101", report));
        assertThat(missing.status()).isEqualTo(401);
        assertThat(error(missing)).asString().contains("missing bearer token");
        assertThat(basic.status()).isEqualTo(401);
        assertThat(error(basic)).asString().contains("not a bearer token");
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(error(wrong)).isEqualTo("wrong bearer token");
        assertThat(kafka.sent()).isEmpty();
    }

    @Test
    void namesEachProblemOfABadSubmission() {
        String auth = "Bearer " + TOKEN;
        Verdict noVm = intake.submit(submission(auth, null, SampleReports.tlbFlush(1, null)));
        assertThat(noVm.status()).isEqualTo(400);
        assertThat(error(noVm)).asString().contains("vmId is missing").contains("X-Panicwatch-Vm-Id");

        Verdict tooLarge = intake.submit(new ReportSubmission(auth, "pve1/101", null, null, null, null, new byte[0],
                5000, true));
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(error(tooLarge)).asString().contains("5000 bytes").contains("limit is 4096 bytes");

        Verdict empty = intake.submit(submission(auth, "pve1/101", new byte[0]));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(error(empty)).asString().contains("empty body");

        byte[] latin1 = "panic(cpu 0 caller 0x1): \"Gr\u00fc\u00dfe\"".getBytes(StandardCharsets.ISO_8859_1);
        Verdict badUtf8 = intake.submit(submission(auth, "pve1/101", latin1));
        assertThat(badUtf8.status()).isEqualTo(400);
        // "panic(cpu 0 caller 0x1): \"Gr" is 28 bytes, so the Latin-1 'ü' sits at offset 28.
        assertThat(error(badUtf8)).asString().contains("not UTF-8").contains("offset 28");

        Verdict garbage = intake.submit(submission(auth, "pve1/101", "{\"hello\": \"world\"}".getBytes(StandardCharsets.UTF_8)));
        assertThat(garbage.status()).isEqualTo(422);
        assertThat(error(garbage)).asString().startsWith("no panic in the report");

        Verdict badTime = intake.submit(new ReportSubmission(auth, "pve1/101", null, null, null, "yesterday",
                SampleReports.tlbFlush(1, null), 100, false));
        assertThat(badTime.status()).isEqualTo(400);
        assertThat(error(badTime)).asString().contains("X-Panicwatch-File-Time 'yesterday'");

        assertThat(kafka.sent()).isEmpty();
    }

    @Test
    void answers503WithRetryAfterWhileKafkaFails() {
        kafka.mode(RecordingPublisher.Mode.FAIL);
        Verdict verdict = intake.submit(submission("Bearer " + TOKEN, "pve1/101", SampleReports.tlbFlush(1, null)));
        assertThat(verdict.status()).isEqualTo(503);
        assertThat(verdict.retryAfterSeconds()).isEqualTo(PanicReportIntake.RETRY_AFTER_SECONDS);
        assertThat(error(verdict)).asString().contains("not confirmed stored").contains("broker unreachable (test)");
    }

    @Test
    void answers503WhenKafkaDoesNotAnswerInTime() {
        kafka.mode(RecordingPublisher.Mode.HOLD);
        Verdict verdict = intake.submit(submission("Bearer " + TOKEN, "pve1/101", SampleReports.tlbFlush(1, null)));
        assertThat(verdict.status()).isEqualTo(503);
        assertThat(error(verdict)).asString().contains("no answer within");
    }
}
