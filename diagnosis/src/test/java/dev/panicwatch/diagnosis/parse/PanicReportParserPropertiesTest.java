package dev.panicwatch.diagnosis.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;

import dev.panicwatch.diagnosis.classify.Diagnosis;
import dev.panicwatch.diagnosis.classify.PanicClassifier;

/**
 * Whatever arrives — random text, random bytes, or text stitched from the pieces real reports are made of — the parser
 * either returns a report or throws {@link UnparseableReportException}; jqwik fails the property on any other throwable.
 */
class PanicReportParserPropertiesTest {

    /** Pieces of real reports and of the ways they get mangled, to reach the parser's branches often. */
    private static final List<String> REPORT_PIECES = List.of(
            "panic(cpu 1 caller 0xffffff800dde568d): ", "panic(cpu 7, caller 0x....): ", "Panic(CPU 2, time 5): ",
            "Panic(CPU 4): NMIPI for spinlock acquisition timeout", "\"", "\" \"", "\"@/xnu/xnu-6153.121.2/x.c:1",
            " @pmap.c:3092", "@", "\n", "\r\n", "\r", "> ", ">", "    ", "\t", "`", "```", "{", "}", "[", "]", ":",
            ",", "\"panicString\":\"", "\"macOSPanicString\" : \"", "\"kernel\":\"", "\"timestamp\":\"", "\\u00",
            "\\", "\\n", "\\\"", "Boot args: ", "Model: MacPro5,1,", "vti=9", "vti=0x", "Mac OS version:",
            "OS version: ", "Calendar: 0x5f2b9b1f 0xffffffff", "Calendar: 0xffffffffffffffff 0x1",
            "0xffffff81f6a83a90 : 0xffffff800dcf211c mach_kernel : _panic + 0x54", "mach_kernel : _panic + 0x",
            "Backtrace (CPU 1), Frame : Return Address", "Sleep Wake failure in EFI", "Wed Dec 21 19:29:57 2016",
            "Mon Feb 31 99:99:99 0000", "Date/Time: 2020-13-45 99:99:99 +9999", "2024-10-28 19:53:37.00 -0400",
            "System uptime in nanoseconds: 99999999999999999999", "System model name: ", "mp_kdp_enter() timed-out",
            "Panicked task 0x1: 1 threads: pid 1: ", "Darwin Kernel Version 99.99.99: ", "root:xnu-999999.1.2.3",
            "xnu-", "*** Panic Report ***", "\uFFFD", "\u0000", "\u2028", "\uD800", "Spinlock timeout after 1 ticks",
            "hw_lock_bit", "timed out", "watchdog timeout: no checkins from watchdogd", " ", "x", "0");

    private final PanicReportParser parser = new PanicReportParser();
    private final PanicClassifier classifier = new PanicClassifier();

    @Property(tries = 500)
    void arbitrary_text_parses_or_is_unparseable(@ForAll @Size(max = 3000) String text) {
        parseAndClassify(() -> parser.parse(text));
    }

    @Property(tries = 500)
    void arbitrary_bytes_parse_or_are_unparseable(@ForAll @Size(max = 3000) byte[] bytes) {
        parseAndClassify(() -> parser.parse(bytes));
    }

    @Property(tries = 2000)
    void text_made_of_report_pieces_parses_or_is_unparseable(@ForAll("reportPieces") String text) {
        parseAndClassify(() -> parser.parse(text));
    }

    @Property(tries = 500)
    void report_pieces_as_mangled_bytes_parse_or_are_unparseable(@ForAll("reportPieces") String text,
                                                                 @ForAll byte noise) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length > 0) {
            bytes[Math.floorMod(noise, bytes.length)] = noise; // break one byte, often mid-sequence
        }
        parseAndClassify(() -> parser.parse(bytes));
    }

    @Provide
    Arbitrary<String> reportPieces() {
        return Arbitraries.of(REPORT_PIECES).list().ofMaxSize(80).map(pieces -> String.join("", pieces));
    }

    private interface Parse {
        ParsedReport run() throws UnparseableReportException;
    }

    private void parseAndClassify(Parse parse) {
        ParsedReport report;
        try {
            report = parse.run();
        } catch (UnparseableReportException noPanic) {
            assertThat(noPanic.getMessage()).isNotBlank();
            return;
        }
        assertThat(report.panicString()).isNotBlank();
        assertThat(report.format()).isNotNull();
        Diagnosis diagnosis = classifier.classify(report);
        assertThat(diagnosis.panicClass()).isNotNull();
        assertThat(diagnosis.reason()).isNotBlank();
    }
}
