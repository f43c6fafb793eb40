package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TerminalSymbolsTest {

    @Test
    void asciiTerminalGetsSpellingsForEverySymbol() {
        TerminalSymbols ascii = new TerminalSymbols(StandardCharsets.US_ASCII);
        assertThat(ascii.needsSpelling()).isTrue();
        assertThat(ascii.spell("vti 6 \u2192 9, 3.44\u00d7 slower \u2026 \u2265 1 \u2264 4 \u2500\u2500"))
                .isEqualTo("vti 6 -> 9, 3.44x slower ... >= 1 <= 4 --");
    }

    @Test
    void utf8TerminalKeepsTheSymbols() {
        TerminalSymbols utf8 = new TerminalSymbols(StandardCharsets.UTF_8);
        assertThat(utf8.needsSpelling()).isFalse();
        assertThat(utf8.spell("vti 6 \u2192 9")).isEqualTo("vti 6 \u2192 9");
    }

    @Test
    void latin1KeepsTheSymbolsItHasAndSpellsTheRest() {
        // ISO-8859-1 has the multiplication sign but no arrow.
        TerminalSymbols latin1 = new TerminalSymbols(StandardCharsets.ISO_8859_1);
        assertThat(latin1.spell("3.44\u00d7 \u2192")).isEqualTo("3.44\u00d7 ->");
    }

    /** The CLI in its own JVM, under the C locale a cron job or `su -` gives it. */
    @Test
    void parseUnderTheCLocalePrintsArrowsNotQuestionMarks(@TempDir Path dir) throws Exception {
        Path report = dir.resolve("tlb.panic");
        try (InputStream in = getClass().getResourceAsStream("/scenarios/seed/panics/pve1-101-tlb-flush-timeout.panic")) {
            Files.write(report, in.readAllBytes());
        }
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Panicwatch.class.getName(), "parse", report.toString()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.equals("LANG") || k.startsWith("LC_") || k.equals("JAVA_TOOL_OPTIONS"));
        builder.environment().put("LC_ALL", "C");
        Process process = builder.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        process.getInputStream().transferTo(out);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String text = out.toString(StandardCharsets.ISO_8859_1);
        assertThat(process.exitValue()).as(text).isZero();
        // vti 6 (the default; keepsyms=1 sets none): 0.5 s times 2^6 = 32 s, the sign spelled as an x.
        assertThat(text).contains("TLB_FLUSH_TIMEOUT").contains("0.5 s x 2^6 = 32 s").doesNotContain("?");
    }
}
