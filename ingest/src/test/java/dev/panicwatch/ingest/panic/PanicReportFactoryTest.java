package dev.panicwatch.ingest.panic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;

import org.junit.jupiter.api.Test;

import dev.panicwatch.diagnosis.parse.PanicReportParser;
import dev.panicwatch.diagnosis.parse.UnparseableReportException;
import dev.panicwatch.ingest.testing.SampleReports;
import dev.panicwatch.schemas.PanicReport;

class PanicReportFactoryTest {

    private static final Instant FILE_TIME = Instant.parse("2026-03-02T09:14:40Z");
    private static final Instant RECEIVED = Instant.parse("2026-03-02T09:15:00Z");
    private final PanicReportFactory factory = new PanicReportFactory();

    @Test
    void reportIdIsTheHexSha256OfTheBytes() {
        // FIPS 180-2 test vector: SHA-256("abc").
        assertThat(PanicReportFactory.reportId("abc".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void sameBytesGiveTheSameReportWhoeverSendsThem() throws Exception {
        byte[] raw = SampleReports.tlbFlush(1, "keepsyms=1");
        PanicReport a = factory.create(raw, VmIdentity.of("pve1/101"), FILE_TIME, RECEIVED);
        PanicReport b = factory.create(raw.clone(), VmIdentity.of("pve1/101"), FILE_TIME, RECEIVED.plusSeconds(60));
        assertThat(a.getReportId()).isEqualTo(b.getReportId()).isEqualTo(PanicReportFactory.reportId(raw));
        assertThat(factory.create(SampleReports.tlbFlush(2, "keepsyms=1"), VmIdentity.of("pve1/101"), FILE_TIME,
                RECEIVED).getReportId()).isNotEqualTo(a.getReportId());
    }

    @Test
    void carriesTheVmIdentityAndTimes() throws Exception {
        VmIdentity vm = new VmIdentity("pve1/101", "pve1", "4c4c4544-0031-3510-8052-b3c04f563132", null);
        PanicReport report = factory.create(SampleReports.tlbFlush(1, null), vm, FILE_TIME, RECEIVED);
        assertThat(report.getVmId()).isEqualTo("pve1/101");
        assertThat(report.getHostId()).isEqualTo("pve1");
        assertThat(report.getSmbiosUuid()).isEqualTo("4c4c4544-0031-3510-8052-b3c04f563132");
        // The short sample has no date line, so the panic time is the file's.
        assertThat(report.getPanicTime()).isEqualTo(FILE_TIME);
        assertThat(report.getReceivedTime()).isEqualTo(RECEIVED);
        assertThat(report.getPanicString()).contains("Uninterruptible processor(s)");
    }

    @Test
    void theReportsOwnBootArgsLineWinsOverTheSenders() throws Exception {
        VmIdentity vm = new VmIdentity("pve1/101", null, null, "keepsyms=1 tlbto_us=0 vti=9");
        PanicReport report = factory.create(SampleReports.tlbFlush(1, "keepsyms=1"), vm, FILE_TIME, RECEIVED);
        assertThat(report.getBootArgs()).isEqualTo("keepsyms=1");
    }

    @Test
    void theSendersBootArgsFillInWhenTheReportHasNone() throws Exception {
        VmIdentity vm = new VmIdentity("pve1/101", null, null, "keepsyms=1 tlbto_us=0");
        PanicReport report = factory.create(SampleReports.tlbFlush(1, null), vm, FILE_TIME, RECEIVED);
        assertThat(report.getBootArgs()).isEqualTo("keepsyms=1 tlbto_us=0");
    }

    @Test
    void rawIsBoundedWithoutSplittingACharacter() throws Exception {
        PanicReportFactory small = new PanicReportFactory(new PanicReportParser(), 2048);
        byte[] head = SampleReports.tlbFlush(1, "keepsyms=1");
        // Fill up to byte 2047 with 'x', then a 3-byte '€' at bytes 2047..2049 that the 2048-byte bound would split.
        byte[] raw = Arrays.copyOf(head, 4096);
        Arrays.fill(raw, head.length, 2047, (byte) 'x');
        byte[] euro = "€".getBytes(StandardCharsets.UTF_8);
        System.arraycopy(euro, 0, raw, 2047, 3);
        Arrays.fill(raw, 2050, 4096, (byte) 'y');
        PanicReport report = small.create(raw, VmIdentity.of("pve1/101"), FILE_TIME, RECEIVED);
        // The cut backs off to byte 2047, before the euro sign: 2047 one-byte characters remain.
        assertThat(report.getRaw()).hasSize(2047).doesNotContain("€").endsWith("x");
        // The id still covers the whole content.
        assertThat(report.getReportId()).isEqualTo(PanicReportFactory.reportId(raw));
    }

    @Test
    void textWithoutAPanicIsRejected() {
        byte[] notes = "Build 4711 finished.\nAll 1,204 tests passed.\n".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> factory.create(notes, VmIdentity.of("pve1/101"), FILE_TIME, RECEIVED))
                .isInstanceOf(UnparseableReportException.class);
    }

    @Test
    void findsTheFirstInvalidUtf8Byte() {
        assertThat(PanicReportFactory.firstInvalidUtf8Offset("panic(cpu 1 …)".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(-1);
        // 'a', 'b', then 0xFF, which never occurs in UTF-8: offset 2.
        assertThat(PanicReportFactory.firstInvalidUtf8Offset(new byte[] {'a', 'b', (byte) 0xFF, 'c'})).isEqualTo(2);
        // 'a' then the first two bytes of a three-byte sequence, cut off: the bad sequence starts at offset 1.
        assertThat(PanicReportFactory.firstInvalidUtf8Offset(new byte[] {'a', (byte) 0xE2, (byte) 0x82})).isEqualTo(1);
    }

    @Test
    void vmIdIsRequiredAndMustBeAnId() {
        assertThatThrownBy(() -> VmIdentity.of(" ")).hasMessageContaining("vmId is missing");
        assertThatThrownBy(() -> VmIdentity.of("pve1/101 rm -rf")).hasMessageContaining("spaces");
        assertThatThrownBy(() -> VmIdentity.of("x".repeat(201))).hasMessageContaining("201 characters");
    }
}
