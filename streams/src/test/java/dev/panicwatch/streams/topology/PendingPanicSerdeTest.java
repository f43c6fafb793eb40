package dev.panicwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.streams.advice.PanicFacts;

/** pending-panics keeps its layout across versions: what older versions stored is read, what this one writes they read. */
class PendingPanicSerdeTest {

    private static final String TOPIC = "panicwatch-pending-panics-changelog";
    private static final Instant T = Instant.parse("2026-11-20T10:00:00Z"); // 1795168800000 ms

    /** An entry as the store held it before the facts were wrapped: the old record's fields, flat, in their order. */
    private static final String STORED_BEFORE = "{\"reportId\":\"r1\",\"vmId\":\"pve1/104\",\"hostId\":\"pve1\","
            + "\"panicTimeMillis\":1795168800000,\"panicClass\":\"TLB_FLUSH_TIMEOUT\",\"vtiHelps\":true,"
            + "\"currentVti\":6,\"xnuVersion\":\"xnu-6153.121.2\",\"bootArgs\":\"keepsyms=1\","
            + "\"reason\":\"TLB shootdown timed out\",\"samplesUntilMillis\":1795168980000,"
            + "\"wallDeadlineMillis\":1795168990000}";

    private static final PendingPanic SAME_PANIC = new PendingPanic(new PanicFacts("r1", "pve1/104", "pve1", T,
            PanicClass.TLB_FLUSH_TIMEOUT, true, 6, "xnu-6153.121.2", "keepsyms=1", "TLB shootdown timed out"),
            1_795_168_980_000L, 1_795_168_990_000L); // T + 3 min, T + 3 min 10 s

    private final PendingPanicSerde serde = new PendingPanicSerde();

    private PendingPanic read(String json) {
        return serde.deserializer().deserialize(TOPIC, json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void readsAnEntryStoredBeforeTheFactsWereWrapped() {
        assertThat(read(STORED_BEFORE)).isEqualTo(SAME_PANIC);
    }

    @Test
    void readsTheDeadlineUnderItsNameBeforeIssue11() {
        // Long.MAX_VALUE there meant "decided by the wall clock only", which samplesUntilMillis still means.
        String before11 = STORED_BEFORE.replace("\"samplesUntilMillis\":1795168980000",
                "\"streamDeadlineMillis\":9223372036854775807");
        assertThat(read(before11).samplesUntilMillis()).isEqualTo(Long.MAX_VALUE);
        assertThat(read(before11).facts()).isEqualTo(SAME_PANIC.facts());
    }

    @Test
    void writesTheLayoutOlderVersionsRead() throws Exception {
        byte[] written = serde.serializer().serialize(TOPIC, SAME_PANIC);
        ObjectMapper json = new ObjectMapper();
        assertThat(json.readTree(written)).isEqualTo(json.readTree(STORED_BEFORE));
    }

    @Test
    void absentHostKernelAndBootArgsStayAbsent() {
        PendingPanic sparse = new PendingPanic(new PanicFacts("r2", "pve1/105", null, T, PanicClass.SPINLOCK_TIMEOUT,
                true, 6, null, null, "spinlock"), Long.MAX_VALUE, 1_795_168_990_000L);
        assertThat(serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, sparse)))
                .isEqualTo(sparse);
    }

    @Test
    void anEntryThatCannotBeReadSaysWhichFieldIsWrong() {
        assertThatThrownBy(() -> read(STORED_BEFORE.replace("TLB_FLUSH_TIMEOUT", "TLB_FLUSH")))
                .isInstanceOf(SerializationException.class)
                .hasMessage("pending panic in " + TOPIC + ": panicClass 'TLB_FLUSH' is not a panic class");
        assertThatThrownBy(() -> read(STORED_BEFORE.replace(",\"wallDeadlineMillis\":1795168990000", "")))
                .isInstanceOf(SerializationException.class)
                .hasMessage("pending panic in " + TOPIC + ": wallDeadlineMillis is missing");
        assertThatThrownBy(() -> read(STORED_BEFORE.replace("\"currentVti\":6", "\"currentVti\":\"6\"")))
                .isInstanceOf(SerializationException.class)
                .hasMessage("pending panic in " + TOPIC + ": currentVti is not a whole number");
    }
}
