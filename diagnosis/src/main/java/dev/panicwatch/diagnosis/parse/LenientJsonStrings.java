package dev.panicwatch.diagnosis.parse;

import java.util.List;
import java.util.Optional;

/**
 * Reads string fields out of JSON that a parser rejects because it was cut short: finds {@code "name" : "} and decodes
 * the JSON string escapes that follow, up to the closing quote or the end of the text. Only used after Jackson failed.
 */
final class LenientJsonStrings {

    private LenientJsonStrings() {
    }

    /** The value of the first of the names that occurs, even if the text ends inside it. */
    static Optional<String> firstValue(String json, List<String> names) {
        for (String name : names) {
            Optional<String> value = value(json, name, false);
            if (value.isPresent()) {
                return value;
            }
        }
        return Optional.empty();
    }

    /** The value of the field, only when its closing quote survived. */
    static Optional<String> completeValue(String json, String name) {
        return value(json, name, true);
    }

    private static Optional<String> value(String json, String name, boolean mustBeComplete) {
        String key = "\"" + name + "\"";
        int from = 0;
        while (true) {
            int at = json.indexOf(key, from);
            if (at < 0) {
                return Optional.empty();
            }
            int i = skipSpaces(json, at + key.length());
            if (i < json.length() && json.charAt(i) == ':') {
                i = skipSpaces(json, i + 1);
                if (i < json.length() && json.charAt(i) == '"') {
                    StringBuilder decoded = new StringBuilder();
                    boolean closed = decode(json, i + 1, decoded);
                    return closed || !mustBeComplete ? Optional.of(decoded.toString()) : Optional.empty();
                }
            }
            from = at + 1;
        }
    }

    private static int skipSpaces(String json, int from) {
        int i = from;
        while (i < json.length() && Character.isWhitespace(json.charAt(i))) {
            i++;
        }
        return i;
    }

    /** Decodes a JSON string body starting at {@code from}; true when the closing quote was reached. */
    private static boolean decode(String json, int from, StringBuilder out) {
        int i = from;
        while (i < json.length()) {
            char c = json.charAt(i);
            if (c == '"') {
                return true;
            }
            if (c != '\\') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= json.length()) {
                return false; // cut right after a backslash
            }
            char escaped = json.charAt(i + 1);
            switch (escaped) {
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'b', 'f' -> out.append(' ');
                case 'u' -> {
                    if (i + 6 > json.length()) {
                        return false; // cut inside a \\uXXXX escape
                    }
                    try {
                        out.append((char) Integer.parseInt(json.substring(i + 2, i + 6), 16));
                    } catch (NumberFormatException notHex) {
                        out.append('\uFFFD');
                    }
                    i += 4;
                }
                default -> out.append(escaped); // \" \\ \/ and anything unknown stand for themselves
            }
            i += 2;
        }
        return false;
    }
}
