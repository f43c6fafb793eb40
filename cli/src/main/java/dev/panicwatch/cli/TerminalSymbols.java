package dev.panicwatch.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.FilterWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.Charset;
import java.nio.charset.CharsetEncoder;
import java.util.Map;

/**
 * The CLI's symbols (arrows, multiplication signs, ellipses, box lines) on a terminal whose charset cannot encode
 * them: without a UTF-8 locale ({@code LANG} unset under {@code su -}, cron, systemd, most containers) Java encodes
 * each as {@code ?}, so {@code vti 6 → 9} would read {@code vti 6 ? 9}. Where the charset lacks a symbol, its ASCII
 * spelling is printed instead; where it has it, nothing changes.
 */
final class TerminalSymbols {

    private static final Map<Character, String> ASCII = Map.ofEntries(
            Map.entry('\u2192', "->"), Map.entry('\u00d7', "x"), Map.entry('\u2026', "..."),
            Map.entry('\u2265', ">="), Map.entry('\u2264', "<="), Map.entry('\u2014', "--"),
            Map.entry('\u2013', "-"), Map.entry('\u2212', "-"), Map.entry('\u2500', "-"),
            Map.entry('\u2502', "|"), Map.entry('\u2514', "`-"), Map.entry('\u251c', "|-"),
            Map.entry('\u252c', "+"), Map.entry('\u2510', "+"), Map.entry('\u00b7', "-"));

    private final Charset charset;

    TerminalSymbols(Charset charset) {
        this.charset = charset;
    }

    /** The charset Java encodes standard output with: the console's when it names one, else the default. */
    static TerminalSymbols ofStandardOutput() {
        String console = System.getProperty("sun.stdout.encoding");
        Charset charset;
        try {
            charset = console == null || console.isBlank() ? Charset.defaultCharset() : Charset.forName(console);
        } catch (IllegalArgumentException unknown) {
            charset = Charset.defaultCharset();
        }
        return new TerminalSymbols(charset);
    }

    /** Whether some symbol the CLI prints would be lost in this charset. */
    boolean needsSpelling() {
        CharsetEncoder encoder = charset.newEncoder();
        return ASCII.keySet().stream().anyMatch(symbol -> !encoder.canEncode(symbol));
    }

    /** The text with every symbol this charset cannot encode replaced by its ASCII spelling. */
    String spell(CharSequence text) {
        CharsetEncoder encoder = charset.newEncoder();
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String ascii = c < 128 ? null : ASCII.get(c);
            if (ascii != null && !encoder.canEncode(c)) {
                if (out == null) {
                    out = new StringBuilder(text.length() + 8).append(text, 0, i);
                }
                out.append(ascii);
            } else if (out != null) {
                out.append(c);
            }
        }
        return out == null ? text.toString() : out.toString();
    }

    /** A print stream on the given descriptor that spells symbols out before encoding them. */
    PrintStream printStream(FileDescriptor fd) {
        return new SpellingPrintStream(new FileOutputStream(fd), this);
    }

    /** The same for picocli's usage and error output, which takes a writer. */
    PrintWriter printWriter(FileDescriptor fd) {
        Writer encoded = new OutputStreamWriter(new FileOutputStream(fd), charset);
        return new PrintWriter(new FilterWriter(encoded) {
            @Override
            public void write(int c) throws IOException {
                super.write(spell(String.valueOf((char) c)));
            }

            @Override
            public void write(char[] chars, int off, int len) throws IOException {
                String spelled = spell(new String(chars, off, len));
                super.write(spelled, 0, spelled.length());
            }

            @Override
            public void write(String s, int off, int len) throws IOException {
                String spelled = spell(s.substring(off, off + len));
                super.write(spelled, 0, spelled.length());
            }
        }, true);
    }

    /**
     * Every text path of PrintStream (print, println, printf, append) ends in one of these; raw byte writes pass
     * through untouched.
     */
    private static final class SpellingPrintStream extends PrintStream {
        private final TerminalSymbols symbols;

        SpellingPrintStream(FileOutputStream out, TerminalSymbols symbols) {
            super(out, true, symbols.charset);
            this.symbols = symbols;
        }

        @Override
        public void print(String s) {
            super.print(s == null ? null : symbols.spell(s));
        }

        @Override
        public void print(Object o) {
            print(String.valueOf(o));
        }

        @Override
        public void print(char c) {
            print(String.valueOf(c));
        }

        @Override
        public void print(char[] s) {
            print(new String(s));
        }

        @Override
        public PrintStream append(CharSequence csq) {
            print(String.valueOf(csq));
            return this;
        }

        @Override
        public PrintStream append(CharSequence csq, int start, int end) {
            print(String.valueOf(csq == null ? "null" : csq.subSequence(start, end)));
            return this;
        }

        @Override
        public PrintStream append(char c) {
            print(c);
            return this;
        }
    }
}
