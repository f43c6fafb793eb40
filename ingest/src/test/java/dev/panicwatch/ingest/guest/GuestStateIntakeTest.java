package dev.panicwatch.ingest.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import dev.panicwatch.ingest.panic.http.Verdict;
import dev.panicwatch.ingest.testing.MutableClock;
import dev.panicwatch.ingest.testing.RecordingPublisher;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.Topics;

class GuestStateIntakeTest {

    private static final String TOKEN = "s3cret-token";
    private static final Instant NOW = Instant.parse("2026-03-02T09:15:00Z");
    private static final String KERNEL = "Darwin Kernel Version 19.5.0: Tue May 26 20:41:44 PDT 2020; "
            + "root:xnu-6153.121.2~2/RELEASE_X86_64";
    private static final String GOOD = "{\"vmId\":\"pve1/101\",\"hostId\":\"pve1\",\"smbiosUuid\":\"4C4C4544-0031\","
            + "\"time\":\"2026-03-02T09:14:00Z\",\"bootArgs\":\"keepsyms=1 tlbto_us=0 vti=9\",\"vti\":9,\"tlbtoUs\":0,"
            + "\"osVersion\":\"10.15.5\",\"osBuild\":\"19F101\",\"kernelVersion\":\"" + KERNEL + "\","
            + "\"bootTime\":\"2026-03-02T08:00:00+01:00\",\"cpus\":8,\"bootLogVti\":9,\"agentVersion\":\"0.1.0\"}";

    private final RecordingPublisher kafka = new RecordingPublisher();
    private final GuestStateIntake intake = new GuestStateIntake(TOKEN, Duration.ofSeconds(1), kafka,
            new MutableClock(NOW));

    private Verdict post(String headerVmId, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return intake.submit(new GuestStateIntake.Submission("Bearer " + TOKEN, headerVmId, "application/json",
                bytes, bytes.length, false));
    }

    @Test
    void publishesEveryFieldKeyedByVmIdOnceKafkaAcknowledged() {
        Verdict verdict = post("pve1/101", GOOD);

        assertThat(verdict.status()).as("%s", verdict.body()).isEqualTo(202);
        assertThat(verdict.body()).containsEntry("vmId", "pve1/101").containsEntry("vti", 9)
                .doesNotContainKey("ignored");
        RecordingPublisher.Sent sent = kafka.sentTo(Topics.GUEST_STATE).get(0);
        assertThat(sent.key()).isEqualTo("pve1/101");
        GuestState state = (GuestState) sent.value();
        assertThat(sent.timestamp()).as("record time = observation time").isEqualTo(state.getObservedTime());
        assertThat(state).isEqualTo(GuestState.newBuilder()
                .setVmId("pve1/101").setHostId("pve1").setSmbiosUuid("4C4C4544-0031")
                .setObservedTime(Instant.parse("2026-03-02T09:14:00Z")).setReceivedTime(NOW)
                .setSource(GuestStateSource.AGENT)
                .setBootArgs("keepsyms=1 tlbto_us=0 vti=9").setVti(9).setTlbtoUs(0)
                .setOsVersion("10.15.5").setOsBuild("19F101").setKernelVersion(KERNEL).setXnuVersion("xnu-6153.121.2")
                // 08:00 at +01:00 is 07:00 UTC.
                .setBootTime(Instant.parse("2026-03-02T07:00:00Z")).setCpus(8).setBootLogVti(9)
                .setAgentVersion("0.1.0")
                .build());
        assertThat(intake.counters()).containsEntry("published", 1L);
    }

    @Test
    void onlyVmIdIsRequiredAndTheRestIsWorkedOut() {
        Verdict verdict = post(null, "{\"vmId\":\"pve1/102\",\"bootArgs\":\"keepsyms=1\",\"newField\":1}");

        assertThat(verdict.status()).isEqualTo(202);
        assertThat(verdict.body()).containsEntry("vti", 6).containsKey("ignored");
        assertThat(verdict.body().get("ignored").toString()).isEqualTo("[newField]");
        GuestState state = (GuestState) kafka.sent().get(0).value();
        assertThat(state.getVti()).as("XNU's default").isEqualTo(6);
        assertThat(state.getTlbtoUs()).isNull();
        assertThat(state.getObservedTime()).as("no time: when received").isEqualTo(NOW);
        assertThat(state.getOsVersion()).isNull();
        assertThat(state.getXnuVersion()).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            not JSON             | {"vmId":                                  | 400 | body is not valid JSON
            two objects          | {"vmId":"a"} {"vmId":"b"}                  | 400 | body is not valid JSON
            an array             | [{"vmId":"a"}]                             | 400 | must be one JSON object, found array
            no vmId              | {"bootArgs":"vti=9"}                       | 400 | vmId is missing
            vmId a number        | {"vmId":101}                               | 400 | "vmId" must be a string, found 101
            vmId with a space    | {"vmId":"pve1 101"}                        | 400 | contains spaces
            vti disagrees        | {"vmId":"a","bootArgs":"vti=9","vti":6}    | 400 | "vti" is 6 but "bootArgs" 'vti=9' set vti 9
            vti without bootArgs | {"vmId":"a","vti":9}                       | 400 | (XNU's default, no vti= token)
            vti a string         | {"vmId":"a","vti":"9"}                     | 400 | "vti" must be a whole number (32-bit), found "9"
            vti beyond an int    | {"vmId":"a","vti":3000000000}              | 400 | "vti" must be a whole number (32-bit)
            bootLogVti too large | {"vmId":"a","bootLogVti":64}               | 400 | "bootLogVti" must be a whole number from 0 to 63
            tlbtoUs disagrees    | {"vmId":"a","bootArgs":"vti=9","tlbtoUs":0} | 400 | "tlbtoUs" is 0 but "bootArgs" 'vti=9' leave it unset
            cpus zero            | {"vmId":"a","cpus":0}                      | 400 | "cpus" must be a whole number from 1 to 4096, found 0
            cpus fractional      | {"vmId":"a","cpus":8.5}                    | 400 | "cpus" must be a whole number
            time without offset  | {"vmId":"a","time":"2026-03-02T09:14:00"}  | 400 | "time" must be an ISO-8601 time with its offset
            time as a number     | {"vmId":"a","time":1772442840000}          | 400 | "time" must be an ISO-8601 time
            boot after time      | {"vmId":"a","time":"2026-03-02T09:00:00Z","bootTime":"2026-03-02T10:00:00Z"} | 400 | "bootTime" 2026-03-02T10:00:00Z is after "time" 2026-03-02T09:00:00Z
            osVersion not one    | {"vmId":"a","osVersion":"Catalina"}         | 400 | "osVersion" must be a macOS version such as 10.15.5
            duplicate field      | {"vmId":"a","vmId":"b"}                    | 400 | Duplicate field 'vmId'
            """)
    void badBodiesAreRefusedNamingTheField(String what, String body, int status, String phrase) {
        Verdict verdict = post(null, body);

        assertThat(verdict.status()).as(what).isEqualTo(status);
        assertThat(verdict.body().get("error").toString()).as(what).contains(phrase);
        assertThat(kafka.sent()).isEmpty();
        assertThat(intake.counters()).containsEntry("rejected", 1L);
    }

    @Test
    void implausibleBootArgsAreStillWhatTheGuestRuns() {
        Verdict verdict = post(null, "{\"vmId\":\"a\",\"bootArgs\":\"vti=40 tlbto_us=-1\",\"vti\":40,\"tlbtoUs\":-1}");

        assertThat(verdict.status()).as("%s", verdict.body()).isEqualTo(202);
        GuestState state = (GuestState) kafka.sent().get(0).value();
        assertThat(state.getVti()).isEqualTo(40);
        assertThat(state.getTlbtoUs()).isEqualTo(-1);
    }

    @Test
    void aControlCharacterInAVersionIsRefused() {
        Verdict verdict = post(null, "{\"vmId\":\"a\",\"kernelVersion\":\"Darwin\\nroot:xnu-1\"}");

        assertThat(verdict.status()).isEqualTo(400);
        assertThat(verdict.body().get("error").toString()).contains("\"kernelVersion\" contains control characters");
    }

    @Test
    void theHeaderAndTheBodyMustNameTheSameVm() {
        Verdict verdict = post("pve1/102", GOOD);

        assertThat(verdict.status()).isEqualTo(400);
        assertThat(verdict.body().get("error")).isEqualTo("X-Panicwatch-Vm-Id 'pve1/102' does not match the "
                + "body's \"vmId\" 'pve1/101': one request must speak for one VM");
        assertThat(kafka.sent()).isEmpty();
    }

    @Test
    void theTokenIsCheckedFirst() {
        byte[] bytes = "not even JSON".getBytes(StandardCharsets.UTF_8);
        Verdict verdict = intake.submit(new GuestStateIntake.Submission("Bearer wrong", null, "application/json",
                bytes, bytes.length, false));

        assertThat(verdict.status()).isEqualTo(401);
        assertThat(verdict.body().get("error")).isEqualTo("wrong bearer token");
    }

    @Test
    void sizeContentTypeAndEmptinessAreChecked() {
        Verdict large = intake.submit(new GuestStateIntake.Submission("Bearer " + TOKEN, null, "application/json",
                new byte[0], 20_000, true));
        assertThat(large.status()).isEqualTo(413);
        assertThat(large.body().get("error")).isEqualTo("guest state too large: 20000 bytes, the limit is 16384 bytes");

        byte[] good = GOOD.getBytes(StandardCharsets.UTF_8);
        Verdict text = intake.submit(new GuestStateIntake.Submission("Bearer " + TOKEN, null, "text/plain", good,
                good.length, false));
        assertThat(text.status()).isEqualTo(415);

        Verdict empty = intake.submit(new GuestStateIntake.Submission("Bearer " + TOKEN, null, "application/json",
                new byte[0], 0, false));
        assertThat(empty.status()).isEqualTo(400);
        assertThat(empty.body().get("error").toString()).startsWith("empty body");
    }

    @Test
    void kafkaNotAcknowledgingIs503WithRetryAfter() {
        kafka.mode(RecordingPublisher.Mode.FAIL);

        Verdict verdict = post(null, GOOD);

        assertThat(verdict.status()).isEqualTo(503);
        assertThat(verdict.retryAfterSeconds()).isEqualTo(30);
        assertThat(verdict.body().get("error").toString()).startsWith("Kafka did not acknowledge the guest state");
    }

    @Test
    void aMissingTopicIs503AtOnce() {
        intake.refuseWhile(() -> Optional.of("topic 'guest-state' does not exist"));

        Verdict verdict = post(null, GOOD);

        assertThat(verdict.status()).isEqualTo(503);
        assertThat(verdict.body().get("error").toString()).startsWith("topic 'guest-state' does not exist");
        assertThat(kafka.sent()).isEmpty();
    }
}
