package dev.panicwatch.diagnosis.parse;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.panicwatch.diagnosis.kernel.XnuVersion;

/**
 * Reads the descriptive fields of a report (kernel, build, model, uptime, boot-args, process, time, backtrace) from
 * its cleaned lines. Each field takes its first occurrence: the lines are the same in the text reports of every macOS
 * version, only their order moved (10.15+ puts the process and boot-args above the version block, 12+ adds a header
 * block), so position is not relied on.
 */
final class ReportFields {

    static final Pattern DARWIN = Pattern.compile("Darwin Kernel Version (\\d{1,3}\\.\\d{1,3}(?:\\.\\d{1,3})?)");
    private static final Pattern MACOS_VERSION = Pattern.compile("(?i:mac ?os version)\\s{0,20}:");
    private static final Pattern OS_VERSION = Pattern.compile("(?i:os version|os_version)\"?\\s{0,20}:");
    static final Pattern BUILD = Pattern.compile("\\b(\\d{1,2}[A-Z]\\d{1,5}[a-z]?)\\b");
    private static final Pattern SYSTEM_MODEL_NAME = Pattern.compile("System model name: ([^(]{1,80})");
    /** The system profile after a report's EOF ({@code Model: MacPro5,1, BootROM …}), at times glued on. */
    private static final Pattern PROFILE_MODEL = Pattern.compile("Model: ([A-Za-z]{2,24}\\d{1,3},\\d{1,3}),");
    private static final Pattern MODEL_IDENTIFIER = Pattern.compile("[A-Za-z]{2,24}\\d{1,3},\\d{1,3}");
    private static final Pattern UPTIME = Pattern.compile("System uptime in nanoseconds: (\\d{1,19})");
    private static final Pattern BOOT_ARGS = Pattern.compile("Boot args:\\s{0,40}(.*)");
    private static final Pattern PROCESS_LINE = Pattern.compile(
            "(?:BSD p|P)rocess name corresponding to current thread(?: \\(0x[0-9a-fA-F]{1,16}\\))?: ?(\\S.*)");
    private static final Pattern PANICKED_TASK =
            Pattern.compile("Panicked task 0x[0-9a-fA-F]{1,16}: \\d{1,7} threads?: pid -?\\d{1,7}: (\\S.*)");
    /** The Epoch Time block's {@code Calendar: 0x5f2b9b1f 0x0007d2f4}: seconds and microseconds since 1970, UTC. */
    private static final Pattern CALENDAR =
            Pattern.compile("Calendar\\s{0,8}: (0x[0-9a-fA-F]{1,16}) (0x[0-9a-fA-F]{1,8})");
    /** {@code Date/Time: 2020-05-08 11:40:58 +0800} and the .ips header's {@code 2024-10-28 19:53:37.00 -0400}. */
    static final Pattern OFFSET_TIME = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2}) (\\d{2}:\\d{2}:\\d{2})(?:\\.(\\d{1,9}))? ?([+-]\\d{4})");
    private static final Pattern DATE_TIME_LINE = Pattern.compile("^Date/Time:\\s{0,20}(.*)");
    /** The bare date line of legacy reports: {@code Wed Dec 21 19:29:57 2016}. */
    private static final Pattern LEGACY_DATE = Pattern.compile(
            "^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) ((?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) {1,2}\\d{1,2} "
                    + "\\d{2}:\\d{2}:\\d{2} \\d{4})$");
    private static final DateTimeFormatter LEGACY_DATE_FORMAT =
            DateTimeFormatter.ofPattern("MMM d HH:mm:ss yyyy", Locale.ROOT);
    private static final Pattern FRAME_WITH_ADDRESS = Pattern.compile(
            "^0x[0-9a-fA-F]{1,16} : 0x[0-9a-fA-F]{1,16} \\S{1,200} : (\\S{1,500})"
                    + "(?: \\+ (?:0x[0-9a-fA-F]{1,16}|\\d{1,10}))?$");
    private static final Pattern FRAME_WITHOUT_ADDRESS =
            Pattern.compile("^\\S{1,200} : (\\S{1,500}) \\+ (?:0x[0-9a-fA-F]{1,16}|\\d{1,10})$");
    private static final int MAX_FRAMES = 512;

    private final List<String> lines;

    ReportFields(List<String> lines) {
        this.lines = lines;
    }

    Optional<String> xnuVersion() {
        for (String line : lines) {
            if (line.contains("xnu")) {
                Optional<XnuVersion> version = XnuVersion.parse(line);
                if (version.isPresent()) {
                    return version.map(XnuVersion::toString);
                }
            }
        }
        return Optional.empty();
    }

    Optional<String> darwinVersion() {
        return first("Darwin Kernel Version", DARWIN, m -> m.group(1));
    }

    /**
     * The macOS build: from {@code Mac OS version:} (value on the next line) or {@code macOS version: 24E263} first,
     * because T2 (BridgeOS) panic logs also carry their own {@code OS version: 22P4248}; else from any
     * {@code OS version: 21A5248p} / {@code OS Version: macOS 11.4 (Build 20F71)} label.
     */
    Optional<String> macOSBuild() {
        return buildAfter(MACOS_VERSION).or(() -> buildAfter(OS_VERSION));
    }

    private Optional<String> buildAfter(Pattern labelPattern) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.indexOf(':') < 0) {
                continue;
            }
            Matcher label = labelPattern.matcher(line);
            if (!label.find()) {
                continue;
            }
            String value = line.substring(label.end()).strip();
            if (value.isEmpty() && i + 1 < lines.size()) {
                value = lines.get(i + 1).strip();
            }
            Matcher build = BUILD.matcher(value.length() > 60 ? value.substring(0, 60) : value);
            if (build.find()) {
                return Optional.of(build.group(1));
            }
        }
        return Optional.empty();
    }

    Optional<String> systemModel() {
        Optional<String> named = first("System model name", SYSTEM_MODEL_NAME, m -> m.group(1).strip())
                .filter(name -> !name.isEmpty());
        return named.isPresent() ? named : first("Model: ", PROFILE_MODEL, m -> m.group(1));
    }

    static Optional<String> modelIdentifier(String text) {
        return text != null && MODEL_IDENTIFIER.matcher(text).matches() ? Optional.of(text) : Optional.empty();
    }

    Optional<Long> uptimeNanos() {
        return first("System uptime", UPTIME, m -> m.group(1)).flatMap(digits -> {
            try {
                return Optional.of(Long.parseLong(digits));
            } catch (NumberFormatException tooLarge) {
                return Optional.empty();
            }
        });
    }

    /**
     * The {@code Boot args:} line. A report cut short by the panic-log size limit can run into the system profile that
     * follows it ({@code Boot args: bModel: MacPro5,1, BootROM …}); the profile part is not boot-args and is dropped.
     */
    Optional<String> bootArgs() {
        return first("Boot args:", BOOT_ARGS, m -> withoutGluedProfile(m.group(1))).filter(args -> !args.isEmpty());
    }

    private static String withoutGluedProfile(String value) {
        int model = value.indexOf("Model: ");
        if (model >= 0 && PROFILE_MODEL.matcher(value).region(model, value.length()).lookingAt()) {
            return value.substring(0, model).strip();
        }
        return value.strip();
    }

    /**
     * The process on the panicking CPU. 12+ reports name it in {@code Panicked task … pid N: name} right below the
     * panic line; older ones in {@code BSD process name corresponding to current thread}. The first is preferred
     * inside the deciding section, because a pasted report may carry other sections' process lines.
     */
    Optional<String> processName(int sectionStart, int sectionEnd) {
        for (int i = sectionStart; i < sectionEnd; i++) {
            if (!lines.get(i).startsWith("Panicked task")) {
                continue;
            }
            Matcher task = PANICKED_TASK.matcher(lines.get(i));
            if (task.find()) {
                return Optional.of(task.group(1).strip());
            }
        }
        Optional<String> named = first("rocess name corresponding", PROCESS_LINE, m -> m.group(1).strip());
        return named.isPresent() ? named : first("Panicked task", PANICKED_TASK, m -> m.group(1).strip());
    }

    /**
     * When the panic happened. Exact sources first: the Epoch Time block's Calendar line (UTC) and dates that carry an
     * offset. The legacy bare date line ({@code Wed Dec 21 19:29:57 2016}) is the Mac's local time with no zone; it is
     * read as UTC, so it may be off by the guest's UTC offset.
     */
    Optional<Instant> panicTime() {
        Optional<Instant> calendar = first("Calendar", CALENDAR, m -> m).flatMap(m -> {
            try {
                long seconds = Long.parseUnsignedLong(m.group(1).substring(2), 16);
                long micros = Long.parseLong(m.group(2).substring(2), 16);
                return seconds > 0 && seconds < 32_503_680_000L && micros < 1_000_000
                        ? Optional.of(Instant.ofEpochSecond(seconds, micros * 1000)) : Optional.empty();
            } catch (NumberFormatException outOfRange) {
                return Optional.empty();
            }
        });
        if (calendar.isPresent()) {
            return calendar;
        }
        Optional<Instant> dated =
                first("Date/Time:", DATE_TIME_LINE, m -> m.group(1)).flatMap(ReportFields::offsetTime);
        if (dated.isPresent()) {
            return dated;
        }
        return first(":", LEGACY_DATE, m -> m.group(1)).flatMap(text -> {
            try {
                return Optional.of(LocalDateTime.parse(text.replaceAll(" {2,}", " "), LEGACY_DATE_FORMAT)
                        .toInstant(ZoneOffset.UTC));
            } catch (DateTimeParseException invalidDate) {
                return Optional.empty();
            }
        });
    }

    /** Reads {@code 2024-10-28 19:53:37.00 -0400}-style times (the .ips header, {@code Date/Time:}). */
    static Optional<Instant> offsetTime(String text) {
        Matcher m = OFFSET_TIME.matcher(text);
        if (!m.find()) {
            return Optional.empty();
        }
        String fraction = m.group(3) == null ? "" : "." + m.group(3);
        String offset = m.group(4).substring(0, 3) + ":" + m.group(4).substring(3);
        try {
            return Optional.of(OffsetDateTime.parse(m.group(1) + "T" + m.group(2) + fraction + offset).toInstant());
        } catch (DateTimeParseException invalidDate) {
            return Optional.empty();
        }
    }

    /**
     * Symbol names of the frames below a section header, innermost first, up to the next section. Frames without
     * symbols (unsymbolicated addresses) are skipped: an address alone says nothing across machines.
     */
    List<String> backtrace(int sectionStart, int sectionEnd) {
        List<String> symbols = new ArrayList<>();
        for (int i = sectionStart; i < sectionEnd && symbols.size() < MAX_FRAMES; i++) {
            String line = lines.get(i);
            if (!line.contains(" : ")) {
                continue;
            }
            Matcher frame = FRAME_WITH_ADDRESS.matcher(line);
            if (frame.find()) {
                symbols.add(frame.group(1));
                continue;
            }
            frame = FRAME_WITHOUT_ADDRESS.matcher(line);
            if (frame.find()) {
                symbols.add(frame.group(1));
            }
        }
        return symbols;
    }

    /** The first line holding {@code needle} (a literal every match contains, a cheap pre-filter) that matches. */
    private <T> Optional<T> first(String needle, Pattern pattern, Function<Matcher, T> value) {
        for (String line : lines) {
            if (!line.contains(needle)) {
                continue;
            }
            Matcher m = pattern.matcher(line);
            if (m.find()) {
                return Optional.ofNullable(value.apply(m));
            }
        }
        return Optional.empty();
    }
}
