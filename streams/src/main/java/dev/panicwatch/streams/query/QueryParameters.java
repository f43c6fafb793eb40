package dev.panicwatch.streams.query;

import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The query-string parameters of one API request, checked against what the endpoint accepts. Every problem is a
 * {@link BadParameterException} naming the parameter, so a typo ({@code spn=PT1H}) is an error, not a silently
 * ignored default.
 */
final class QueryParameters {

    static final Duration DEFAULT_SPAN = Duration.ofHours(24);
    static final int MAX_ID_LENGTH = 256;

    private final Map<String, List<String>> raw;

    QueryParameters(Map<String, List<String>> raw, Set<String> accepted) {
        this.raw = raw;
        Set<String> unknown = new TreeSet<>(raw.keySet());
        unknown.removeAll(accepted);
        if (!unknown.isEmpty()) {
            String name = unknown.iterator().next();
            throw new BadParameterException(name, "unknown parameter '" + name + "'; this endpoint accepts "
                    + String.join(", ", new TreeSet<>(accepted)));
        }
        raw.forEach((name, values) -> {
            if (values.size() > 1) {
                throw new BadParameterException(name, "parameter '" + name + "' is given " + values.size()
                        + " times; give it once");
            }
        });
    }

    Optional<String> optional(String name) {
        List<String> values = raw.get(name);
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        String value = values.get(0).trim();
        if (value.isEmpty()) {
            throw new BadParameterException(name, "parameter '" + name + "' is empty");
        }
        return Optional.of(value);
    }

    boolean has(String name) {
        return raw.containsKey(name);
    }

    /** A VM or host id: non-blank, at most 256 characters, no control characters. */
    String id(String name) {
        String id = optional(name).orElseThrow(
                () -> new BadParameterException(name, "parameter '" + name + "' is required"));
        if (id.length() > MAX_ID_LENGTH) {
            throw new BadParameterException(name, "parameter '" + name + "' is longer than " + MAX_ID_LENGTH
                    + " characters");
        }
        if (id.chars().anyMatch(Character::isISOControl)) {
            throw new BadParameterException(name, "parameter '" + name + "' contains control characters");
        }
        return id;
    }

    /** {@code name=true|false}; absent = false. */
    boolean flag(String name) {
        return optional(name).map(v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new BadParameterException(name, "parameter '" + name + "' = '" + v
                    + "' must be true or false");
        }).orElse(false);
    }

    /** {@code top}: a whole number in 1..max, default {@code defaultTop}. */
    int top(int defaultTop, int max) {
        Optional<String> raw = optional("top");
        if (raw.isEmpty()) {
            return defaultTop;
        }
        int top;
        try {
            top = Integer.parseInt(raw.get());
        } catch (NumberFormatException e) {
            throw new BadParameterException("top", "parameter 'top' = '" + raw.get() + "' is not a whole number");
        }
        if (top < 1 || top > max) {
            throw new BadParameterException("top", "parameter 'top' = " + top + " must be between 1 and " + max);
        }
        return top;
    }

    /**
     * The requested range: {@code span} (ISO-8601 duration) ending at {@code to} or now, or {@code from} to
     * {@code to} (ISO-8601 instants; {@code to} defaults to now); nothing = the last 24 hours. The range must not
     * start in the future, must be at least {@code minSpan} long when given as a span, and must not reach further
     * back than {@code maxAge} (the stores forget older data, so such an answer would be silently short).
     */
    TimeRange range(Instant now, Duration minSpan, Duration maxAge) {
        Optional<String> span = optional("span");
        Optional<String> from = optional("from");
        if (span.isPresent() && from.isPresent()) {
            throw new BadParameterException("span", "give either 'span' or 'from' (with an optional 'to'), not both");
        }
        Instant to = optional("to").map(v -> instant("to", v)).orElse(now);
        Instant start;
        if (from.isPresent()) {
            start = instant("from", from.get());
            if (!start.isBefore(to)) {
                throw new BadParameterException("from", "'from' (" + start + ") must be before 'to' (" + to + ")");
            }
        } else {
            Duration length = span.map(v -> duration("span", v)).orElse(DEFAULT_SPAN);
            if (length.compareTo(minSpan) < 0) {
                throw new BadParameterException("span", "'span' " + length + " is shorter than one window ("
                        + minSpan + ")");
            }
            start = to.minus(length);
        }
        if (start.isAfter(now)) {
            throw new BadParameterException(from.isPresent() ? "from" : "to", "the range starts in the future ("
                    + start + ", now is " + now + ")");
        }
        if (start.isBefore(now.minus(maxAge))) {
            String name = from.isPresent() ? "from" : "span";
            throw new BadParameterException(name, "the range starts at " + start + ", before what the stores keep ("
                    + maxAge + " back from now, " + now.minus(maxAge) + ")");
        }
        return new TimeRange(start, to);
    }

    private static Instant instant(String name, String value) {
        try {
            return OffsetDateTime.parse(value).toInstant();
        } catch (DateTimeParseException e) {
            throw new BadParameterException(name, "parameter '" + name + "' = '" + value
                    + "' is not an ISO-8601 time such as 2024-05-01T10:00:00Z");
        }
    }

    private static Duration duration(String name, String value) {
        Duration d;
        try {
            d = Duration.parse(value.toUpperCase(Locale.ROOT));
        } catch (DateTimeParseException e) {
            throw new BadParameterException(name, "parameter '" + name + "' = '" + value
                    + "' is not an ISO-8601 duration such as PT24H or P7D");
        }
        if (d.isNegative() || d.isZero()) {
            throw new BadParameterException(name, "parameter '" + name + "' = '" + value + "' must be positive");
        }
        return d;
    }
}
