package dev.panicwatch.diagnosis.parse;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a report as people publish it into clean lines: line endings unified, HTML entities of web-page copies
 * decoded, markdown quoting ({@code > }), code indents, stray and fencing backticks and control characters removed,
 * and the blank line a double-spaced paste puts after every line dropped. Lines are cut at {@link #MAX_LINE_CHARS}
 * so that no later scan can grow faster than the input.
 */
final class ReportText {

    /** Longer lines are cut; real panic lines are far shorter, and the raw report is kept elsewhere. */
    static final int MAX_LINE_CHARS = 16 * 1024;

    private ReportText() {
    }

    /**
     * Decodes bytes as UTF-8 (or UTF-16 when a byte-order mark says so), replacing malformed sequences with U+FFFD
     * instead of failing: a panic log with one bad byte is still a panic log.
     */
    static String decode(byte[] bytes) {
        if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFE && (bytes[1] & 0xFF) == 0xFF) {
            return new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16BE);
        }
        if (bytes.length >= 2 && (bytes[0] & 0xFF) == 0xFF && (bytes[1] & 0xFF) == 0xFE) {
            return new String(bytes, 2, bytes.length - 2, StandardCharsets.UTF_16LE);
        }
        CharsetDecoder lenient = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE);
        try {
            return lenient.decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException cannotHappenWithReplace) {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** The cleaned lines of a report, in order; blank lines are kept (as "") because they end panic messages. */
    static List<String> lines(String raw) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        int length = raw.length();
        for (int i = 0; i <= length; i++) {
            char c = i < length ? raw.charAt(i) : '\n';
            if (c == '\n' || c == '\r') {
                lines.add(clean(raw, start, i));
                if (c == '\r' && i + 1 < length && raw.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (length > 0 && (raw.charAt(length - 1) == '\n' || raw.charAt(length - 1) == '\r')) {
            lines.remove(lines.size() - 1); // the final line break does not open another line
        }
        return dropDoubleSpacing(lines);
    }

    private static String clean(String raw, int from, int to) {
        String line = raw.substring(from, Math.min(to, from + MAX_LINE_CHARS));
        if (line.indexOf('&') >= 0) {
            // Copied from a web page's HTML: &quot; around legacy panic strings, &gt; for quote markers.
            line = decodeHtmlEntities(line);
        }
        int begin = 0;
        int end = line.length();
        // Markdown quote markers and indentation, in any mix ("> ", ">>", "    ", "> \t").
        while (begin < end && (Character.isWhitespace(line.charAt(begin)) || line.charAt(begin) == '>')) {
            begin++;
        }
        if (line.startsWith("```", begin)) {
            return ""; // a code fence, with or without a language tag
        }
        while (begin < end && line.charAt(begin) == '`') {
            begin++;
        }
        while (end > begin && (Character.isWhitespace(line.charAt(end - 1)) || line.charAt(end - 1) == '`')) {
            end--;
        }
        if (begin == end) {
            return "";
        }
        for (int i = begin; i < end; i++) {
            if (isControl(line.charAt(i))) {
                return withoutControls(line, begin, end);
            }
        }
        return line.substring(begin, end);
    }

    private static String decodeHtmlEntities(String line) {
        return line.replace("&quot;", "\"").replace("&#34;", "\"").replace("&#39;", "'").replace("&#x27;", "'")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&nbsp;", " ").replace("&amp;", "&");
    }

    private static boolean isControl(char c) {
        return c != '\t' && (c < ' ' || c == 0x7F);
    }

    private static String withoutControls(String raw, int begin, int end) {
        StringBuilder line = new StringBuilder(end - begin);
        for (int i = begin; i < end; i++) {
            char c = raw.charAt(i);
            if (!isControl(c)) {
                line.append(c);
            }
        }
        return line.toString();
    }

    /**
     * A paste where (nearly) every line is followed by a blank one has had its line breaks doubled. Undo that, or the
     * blank line after a panic line would end a message that continues on the next line. Two or more blanks in a row
     * stay one blank line, since those were real paragraph breaks.
     */
    private static List<String> dropDoubleSpacing(List<String> lines) {
        int textLines = 0;
        int textLinesFollowedByBlank = 0;
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).isEmpty()) {
                textLines++;
                if (i + 1 < lines.size() && lines.get(i + 1).isEmpty()) {
                    textLinesFollowedByBlank++;
                }
            }
        }
        if (textLines < 4 || textLinesFollowedByBlank < textLines * 0.9) {
            return lines;
        }
        List<String> undoubled = new ArrayList<>(textLines + 8);
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (!line.isEmpty()) {
                undoubled.add(line);
                continue;
            }
            int blanks = 1;
            while (i + 1 < lines.size() && lines.get(i + 1).isEmpty()) {
                blanks++;
                i++;
            }
            if (blanks >= 2) {
                undoubled.add("");
            }
        }
        return undoubled;
    }
}
