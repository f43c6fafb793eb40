package dev.panicwatch.ingest.panic;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

import dev.panicwatch.diagnosis.parse.PanicReportParser;
import dev.panicwatch.diagnosis.parse.ParsedReport;
import dev.panicwatch.diagnosis.parse.UnparseableReportException;
import dev.panicwatch.schemas.PanicReport;

/**
 * Turns the bytes of one panic report and the identity of the VM that sent it into the {@link PanicReport} record the
 * collectors publish. All collectors (watcher, HTTP receiver, replay) build their records here, so a report has the
 * same id and fields whichever way it arrived.
 */
public final class PanicReportFactory {

    /** Default bound of the {@code raw} field: enough for a full legacy report with its kext list. */
    public static final int DEFAULT_RAW_LIMIT_BYTES = 64 * 1024;

    private final PanicReportParser parser;
    private final int rawLimitBytes;

    public PanicReportFactory() {
        this(new PanicReportParser(), DEFAULT_RAW_LIMIT_BYTES);
    }

    public PanicReportFactory(PanicReportParser parser, int rawLimitBytes) {
        if (rawLimitBytes < 1024) {
            throw new IllegalArgumentException("raw limit " + rawLimitBytes + " bytes is too small to hold a panic line");
        }
        this.parser = parser;
        this.rawLimitBytes = rawLimitBytes;
    }

    /**
     * @param raw          the report exactly as the guest wrote it
     * @param vm           the sender; its boot-args are used only when the report has no {@code Boot args:} line
     * @param fallbackTime panic time when the report states none (file mtime, or the time it was received)
     * @param receivedTime when the collector got the report
     * @throws UnparseableReportException when the bytes hold no panic
     */
    public PanicReport create(byte[] raw, VmIdentity vm, Instant fallbackTime, Instant receivedTime)
            throws UnparseableReportException {
        String text = decodeLeniently(raw);
        ParsedReport parsed = parser.parse(text);
        return PanicReport.newBuilder()
                .setReportId(reportId(raw))
                .setVmId(vm.vmId())
                .setHostId(vm.hostId())
                .setSmbiosUuid(vm.smbiosUuid())
                .setPanicTime(parsed.panicTime().orElse(fallbackTime))
                .setReceivedTime(receivedTime)
                .setFormat(PublishedReportFormat.of(parsed.format()))
                .setPanicString(parsed.panicString())
                .setPanicCpu(parsed.panicCpu().orElse(null))
                .setCaller(parsed.caller().orElse(null))
                .setXnuVersion(parsed.xnuVersion().orElse(null))
                .setDarwinVersion(parsed.darwinVersion().orElse(null))
                .setMacOSBuild(parsed.macOSBuild().orElse(null))
                .setSystemModel(parsed.systemModel().orElse(null))
                .setUptimeNanos(parsed.uptimeNanos().orElse(null))
                // The report's own line tells what was in force when it panicked; the agent's sysctl reading may
                // already include a fix applied after the panic.
                .setBootArgs(parsed.bootArgs().filter(s -> !s.isBlank()).orElse(vm.bootArgs()))
                .setBacktrace(parsed.backtrace())
                .setProcessName(parsed.processName().orElse(null))
                .setRaw(decodeLeniently(bounded(raw)))
                .build();
    }

    /** Hex SHA-256 of the bytes: the same file sent twice, by any collector, has the same id. */
    public static String reportId(byte[] raw) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(raw));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /**
     * Where the bytes stop being UTF-8, or -1 when they all are. Receivers reject such bodies: a macOS panic report is
     * ASCII/UTF-8, so invalid bytes mean the sender sent something else (or mangled the encoding).
     */
    public static int firstInvalidUtf8Offset(byte[] raw) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(raw);
        // UTF-8 never decodes to more chars than it has bytes, so one pass fills at most this buffer.
        CharBuffer out = CharBuffer.allocate(raw.length);
        return decoder.decode(in, out, true).isError() ? in.position() : -1;
    }

    /** The first {@code rawLimitBytes} bytes, cut back to a character boundary so the text stays valid UTF-8. */
    private byte[] bounded(byte[] raw) {
        if (raw.length <= rawLimitBytes) {
            return raw;
        }
        int end = rawLimitBytes;
        // Back off continuation bytes (10xxxxxx) so a multi-byte character is not split.
        while (end > 0 && (raw[end] & 0xC0) == 0x80) {
            end--;
        }
        byte[] cut = new byte[end];
        System.arraycopy(raw, 0, cut, 0, end);
        return cut;
    }

    /** Collectors that read files keep a report with a stray bad byte (serial noise): it becomes U+FFFD. */
    private static String decodeLeniently(byte[] raw) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE).decode(ByteBuffer.wrap(raw)).toString();
        } catch (CharacterCodingException e) {
            throw new IllegalStateException("a replacing decoder does not throw", e);
        }
    }
}
