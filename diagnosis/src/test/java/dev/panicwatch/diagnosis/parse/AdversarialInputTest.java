package dev.panicwatch.diagnosis.parse;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.panicwatch.diagnosis.classify.PanicClassifier;

/**
 * Inputs built to trip super-linear work: backtracking regexes, rescanning every line per section, unbounded message
 * joining. The code avoids those by construction (bounded quantifiers, lines cut at 16 KiB, messages capped at 40
 * lines, one pass per field). At a megabyte, quadratic work would be ~10^12 steps (hours), so a generous timeout
 * catches a slip without asserting on speed; linear work takes well under a second.
 */
class AdversarialInputTest {

    private static final int MEGABYTES = 1;

    private final PanicReportParser parser = new PanicReportParser();
    private final PanicClassifier classifier = new PanicClassifier();

    static java.util.stream.Stream<Arguments> adversaries() {
        return java.util.stream.Stream.of(
                Arguments.of("one huge line of panic headers", repeat(i -> "panic(cpu 1 caller 0x1): \"a\" ", "")),
                Arguments.of("a panic header on every line", repeat(i -> "panic(cpu 1 caller 0x1): x" + i, "\n")),
                Arguments.of("alternating NMI sections and debugger-entry panics",
                        repeat(i -> i % 2 == 0 ? "Panic(CPU 1): NMIPI for unresponsive processor: TLB flush timeout"
                                : "panic(cpu 2 caller 0x2): mp_kdp_enter() timed-out", "\n")),
                Arguments.of("unclosed quotes over many lines",
                        "panic(cpu 1 caller 0x1): \"" + repeat(i -> "still inside the quotes " + i, "\n")),
                Arguments.of("at-signs that almost make a location",
                        "panic(cpu 1 caller 0x1): " + repeat(i -> "@a/b.c:1x@", "\n")),
                Arguments.of("frame-like lines", "panic(cpu 1 caller 0x1): x\n"
                        + repeat(i -> "0x1 : 0x2 " + "m".repeat(300) + " : " + "_s".repeat(400) + " + 0x", "\n")),
                Arguments.of("boot args full of glued models",
                        "panic(cpu 1 caller 0x1): x\nBoot args: " + repeat(i -> "Model: X", "")),
                Arguments.of("classifier fragments without their endings", "panic(cpu 1 caller 0x1): "
                        + repeat(i -> "hw_lock_bit setPowerState NMIPI Spinlock[0x", "")),
                Arguments.of("blank quoted lines", repeat(i -> "> \n> ", "\n") + "panic(cpu 1 caller 0x1): x"),
                Arguments.of("JSON panic string of escapes, cut", "{\"bug_type\":\"210\"}\n{\"panicString\":\""
                        + repeat(i -> "\\n\\u0041\\\"", "")),
                Arguments.of("deeply nested JSON", repeat(i -> "{\"a\":[", "")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("adversaries")
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void megabyte_of_adversarial_input_finishes(String name, String input) {
        assertThat(input.length()).isGreaterThanOrEqualTo(MEGABYTES * 1024 * 1024);
        try {
            ParsedReport report = parser.parse(input);
            classifier.classify(report);
        } catch (UnparseableReportException noPanic) {
            assertThat(noPanic.getMessage()).isNotBlank();
        }
    }

    private static String repeat(IntFunction<String> piece, String separator) {
        StringBuilder text = new StringBuilder(MEGABYTES * 1024 * 1024 + 1024);
        for (int i = 0; text.length() < MEGABYTES * 1024 * 1024; i++) {
            text.append(piece.apply(i)).append(separator);
        }
        return text.toString();
    }
}
