package dev.panicwatch.diagnosis.parse;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.panicwatch.diagnosis.parse.PanicSection.Kind;

/**
 * Finds the panic sections of a report and reads each one's message. A message is the header's text plus the lines
 * that continue it, up to the source location ({@code "…"@/path/file.c:123} up to 11, {@code … @file.c:123} from 12),
 * a blank line, or the next part of the report (registers, backtrace, process, version lines…).
 */
final class PanicSectionReader {

    /** {@code panic(cpu 4 caller 0x…):}, also with the comma some people type ({@code panic(cpu 7, caller …)}). */
    private static final Pattern PANIC_CALL =
            Pattern.compile("panic\\(cpu ?(\\d{1,4}),? ?caller ?([^)\\s]{0,40})\\): ?(.*)");
    /** {@code Panic(CPU 11, time 12702490340): …} and the older {@code Panic(CPU 4): …}. */
    private static final Pattern NMI_SECTION =
            Pattern.compile("Panic\\(CPU ?(\\d{1,4})(?:, ?time ?\\d{1,24})?\\): ?(.*)");
    private static final Pattern SLEEP_WAKE_FAILURE = Pattern.compile("^Sleep Wake failure in \\S.*");
    private static final Pattern SLEEP_WAKE_EVENT = Pattern.compile("Event:\\s{1,20}Sleep Wake Failure");
    private static final Pattern CALLER_ADDRESS = Pattern.compile("0x[0-9a-fA-F]{1,16}");

    /** Where the message of an unquoted panic ends: {@code @file.c:123} at the end of a line. */
    private static final Pattern TRAILING_LOCATION = Pattern.compile("(?:^|\\s)@[\\w./+-]{1,300}:\\d{1,6}$");
    /**
     * Where a quoted message ends: its closing quote right before the source location ({@code "…"@/path/file.c:123},
     * {@code "…" @file.c:123}). The first such quote on a line is taken, not the first quote, because a kext's message
     * may itself quote another component's name.
     */
    private static final Pattern QUOTED_LOCATION = Pattern.compile("\"\\s?@[\\w./+-]{1,300}:\\d{1,6}(?=\\s|$)");

    /** Lines that start the next part of a report, so they cannot continue a message. */
    private static final Pattern NEXT_PART = Pattern.compile(
            "^(?:Backtrace|Panicked (?:task|thread)|BSD process name|Process name corresponding|Kernel Extensions"
                    + "|Debugger (?:message|called)|IOPlatformPanicAction|Nested panic|Mac OS version|OS version"
                    + "|Kernel version|Kernel UUID|Kernel slide|Kernel text|KernelCache|Fileset Kernelcache"
                    + "|__HIB|Boot (?:args|session)|System model|System uptime|System Profile|last (?:un)?loaded kext"
                    + "|last started kext|loaded kexts|Model:|Epoch Time|iBoot|secure boot|Paniclog version"
                    + "|Compressor Info|Zone info|Anonymous UUID|EOF$|\\*\\*\\*|Date/Time|Failure code|CORE \\d"
                    + "|mp_kdp_enter|x86 |Memory ID|OS release type|roots installed|Attempting|Interval Since|SMCWDT"
                    // any "Label: value" field: "RAX: ", "Fault CR2: ", "Machine-check capabilities: "
                    + "|[A-Z][\\w-]{0,24}(?: [\\w-]{1,24}){0,3}: "
                    + "|(?:[xw]\\d{1,2}|lr|fp|sp|pc|cpsr|esr|far)\\s{0,4}:" // ARM64 register dump
                    + "|\\S{1,200} : \\S)"); // backtrace frames "0x… : 0x…", "mach_kernel : _panic + 0x54"

    /** A message longer than this many lines is noise that happens to follow a panic line. */
    private static final int MAX_MESSAGE_LINES = 40;
    private static final Pattern WHITESPACE_RUN = Pattern.compile("\\s+");

    private PanicSectionReader() {
    }

    /** Every section of the report, in the order they appear. */
    static List<PanicSection> sections(List<String> lines) {
        List<PanicSection> sections = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.contains("panic(cpu")) {
                Matcher call = PANIC_CALL.matcher(line);
                if (call.find()) {
                    Optional<String> caller = CALLER_ADDRESS.matcher(call.group(2)).matches()
                            ? Optional.of(call.group(2)) : Optional.empty();
                    sections.add(new PanicSection(Kind.PANIC_CALL, i, cpu(call.group(1)), caller,
                            message(lines, i, call.group(3))));
                    continue;
                }
            }
            if (line.contains("Panic(CPU")) {
                Matcher nmi = NMI_SECTION.matcher(line);
                if (nmi.find()) {
                    sections.add(new PanicSection(Kind.NMI_SECTION, i, cpu(nmi.group(1)), Optional.empty(),
                            message(lines, i, nmi.group(2))));
                    continue;
                }
            }
            if (SLEEP_WAKE_FAILURE.matcher(line).matches()) {
                sections.add(new PanicSection(Kind.SLEEP_WAKE_FAILURE, i, Optional.empty(), Optional.empty(), line));
            }
        }
        return sections;
    }

    /**
     * A sleep/wake failure report in stackshot form ({@code Event: Sleep Wake Failure} in its header) states its panic
     * message as the report's first paragraph, e.g. "Sleep transition timed out after 180 seconds while calling power
     * state change callbacks. Suspected bundle: …", with no panic line.
     */
    static Optional<PanicSection> sleepWakeStackshot(List<String> lines) {
        boolean stackshot = lines.stream().anyMatch(line -> SLEEP_WAKE_EVENT.matcher(line).lookingAt());
        if (!stackshot) {
            return Optional.empty();
        }
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isEmpty()) {
                continue;
            }
            if (line.startsWith("===") || NEXT_PART.matcher(line).lookingAt()) {
                return Optional.empty(); // the excerpt starts at the stackshot header: the message was left out
            }
            return Optional.of(new PanicSection(Kind.SLEEP_WAKE_FAILURE, i, Optional.empty(), Optional.empty(),
                    unquoted(lines, i, line)));
        }
        return Optional.empty();
    }

    /** Whether a line begins a section, i.e. ends the backtrace of the one before. */
    static boolean isSectionHeader(String line) {
        return line.contains("panic(cpu") && PANIC_CALL.matcher(line).find()
                || line.contains("Panic(CPU") && NMI_SECTION.matcher(line).find();
    }

    private static Optional<Integer> cpu(String digits) {
        return Optional.of(Integer.parseInt(digits)); // at most 4 digits
    }

    private static String message(List<String> lines, int headerLine, String rest) {
        String first = rest.strip();
        if (first.isEmpty() && continues(lines, headerLine, headerLine) && lines.get(headerLine + 1).startsWith("\"")) {
            // A paste wrapped right after "panic(cpu N caller 0x…):"; the quoted message is on the next line.
            return quoted(lines, headerLine + 1, lines.get(headerLine + 1));
        }
        return first.startsWith("\"") ? quoted(lines, headerLine, first) : unquoted(lines, headerLine, first);
    }

    /**
     * Up to 11, panic() prints its format as a C string literal: {@code "part one " "part two"@/…/file.c:123}; the
     * arguments are substituted unescaped, so a quote inside the message is text, not the literal's end. The message
     * therefore runs from the first quote to the last quote before the location, over as many lines as it takes
     * (docs/design.md#report-format). A message that only starts with a quoted word and ends in an unquoted
     * {@code … @file.c:123} (the form from 12 on) is plain text. Without any location (a cut or edited report) the
     * literal ends at its first closing quote, since nothing then tells an inner quote from the end.
     */
    private static String quoted(List<String> lines, int headerLine, String first) {
        StringBuilder text = new StringBuilder(first);
        int lineIndex = headerLine;
        String line = first;
        while (true) {
            Matcher closing = QUOTED_LOCATION.matcher(line);
            if (closing.find(lineIndex == headerLine ? 1 : 0)) { // the opening quote cannot also close
                int closingQuote = text.length() - line.length() + closing.start();
                return oneLine(joinedLiterals(text.substring(1, closingQuote)));
            }
            if (TRAILING_LOCATION.matcher(line).find()) {
                return unquoted(lines, headerLine, first);
            }
            if (!continues(lines, lineIndex, headerLine)) {
                return firstLiteralsOnly(lines, headerLine, first);
            }
            lineIndex++;
            line = lines.get(lineIndex);
            text.append(' ').append(line);
        }
    }

    /**
     * The text between the first and the last quote of a C literal's printout: shown escapes are read ({@code \"} is a
     * quote, {@code \n} a line break), a closing and an opening quote with only blanks between are joined as C joins
     * adjacent literals, and any other quote is part of the message.
     */
    private static String joinedLiterals(String inside) {
        StringBuilder message = new StringBuilder(inside.length());
        for (int pos = 0; pos < inside.length(); pos++) {
            char c = inside.charAt(pos);
            if (c == '\\' && pos + 1 < inside.length()) {
                message.append(unescaped(inside.charAt(pos + 1)));
                pos++;
            } else if (c == '"') {
                int next = pos + 1;
                while (next < inside.length() && (inside.charAt(next) == ' ' || inside.charAt(next) == '\t')) {
                    next++;
                }
                if (next < inside.length() && inside.charAt(next) == '"') {
                    pos = next; // "part one " "part two": one message
                } else {
                    message.append(c);
                }
            } else {
                message.append(c);
            }
        }
        return message.toString();
    }

    /** The literal parts up to the first closing quote that is not followed by another part. */
    private static String firstLiteralsOnly(List<String> lines, int headerLine, String first) {
        StringBuilder message = new StringBuilder();
        String current = first;
        int lineIndex = headerLine;
        int pos = 0;
        boolean inside = false;
        while (true) {
            if (pos >= current.length()) {
                if (!inside || !continues(lines, lineIndex, headerLine)) {
                    break; // closed at the end of the line, or the report was cut inside the quotes
                }
                lineIndex++;
                current = lines.get(lineIndex);
                pos = 0;
                message.append(' ');
                continue;
            }
            char c = current.charAt(pos);
            if (!inside) {
                if (c == '"') {
                    inside = true;
                } else if (c != ' ' && c != '\t') {
                    break; // anything else after the last part
                }
            } else if (c == '\\' && pos + 1 < current.length()) {
                message.append(unescaped(current.charAt(pos + 1)));
                pos++;
            } else if (c == '"') {
                inside = false;
            } else {
                message.append(c);
            }
            pos++;
        }
        return oneLine(message.toString());
    }

    /** The literal is printed stringified, so its escapes show; line breaks and tabs become blanks. */
    private static char unescaped(char escaped) {
        return escaped == 'n' || escaped == 't' || escaped == 'r' ? ' ' : escaped;
    }

    /** From 12 on (and for kernel traps before), the message is plain text ending in {@code " @file.c:123"}. */
    private static String unquoted(List<String> lines, int headerLine, String first) {
        StringBuilder message = new StringBuilder();
        if (appendUpToLocation(message, first)) {
            return oneLine(message.toString());
        }
        int lineIndex = headerLine;
        while (continues(lines, lineIndex, headerLine)) {
            lineIndex++;
            message.append(' ');
            if (appendUpToLocation(message, lines.get(lineIndex))) {
                break;
            }
        }
        return oneLine(message.toString());
    }

    /** Appends the text before a trailing source location; true when there was one (the message ends there). */
    private static boolean appendUpToLocation(StringBuilder message, String text) {
        Matcher location = TRAILING_LOCATION.matcher(text);
        if (location.find()) {
            message.append(text, 0, location.start());
            return true;
        }
        message.append(text);
        return false;
    }

    private static boolean continues(List<String> lines, int lineIndex, int headerLine) {
        if (lineIndex + 1 >= lines.size() || lineIndex + 1 - headerLine >= MAX_MESSAGE_LINES) {
            return false;
        }
        String next = lines.get(lineIndex + 1);
        return !next.isEmpty() && !NEXT_PART.matcher(next).lookingAt() && !isSectionHeader(next)
                && !SLEEP_WAKE_FAILURE.matcher(next).matches();
    }

    private static String oneLine(String text) {
        return WHITESPACE_RUN.matcher(text).replaceAll(" ").strip();
    }
}
