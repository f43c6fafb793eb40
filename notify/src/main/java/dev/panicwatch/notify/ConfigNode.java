package dev.panicwatch.notify;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import dev.panicwatch.streams.config.InvalidSettingException;

/**
 * One YAML mapping of the notifier's configuration, read key by key with its path ({@code targets[1].retry.attempts}),
 * so that every error names the key at fault and what was expected, and a key nobody reads (a typo) is refused
 * instead of silently ignored.
 */
final class ConfigNode {

    private final String file;
    private final String path;
    private final Map<?, ?> values;
    private final Set<String> read = new LinkedHashSet<>();

    ConfigNode(String file, String path, Map<?, ?> values) {
        this.file = file;
        this.path = path;
        this.values = values;
    }

    String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    boolean has(String key) {
        return values.get(key) != null;
    }

    Optional<String> string(String key) {
        Object value = raw(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            throw invalid(key, "expected a single value, got a " + (value instanceof Map ? "mapping" : "list"));
        }
        String text = value.toString().trim();
        if (text.isEmpty()) {
            throw invalid(key, "is empty");
        }
        return Optional.of(text);
    }

    String requiredString(String key) {
        return string(key).orElseThrow(() -> invalid(key, "is required"));
    }

    Optional<Integer> integer(String key, int min, int max) {
        Optional<String> text = string(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        int value;
        try {
            value = Integer.parseInt(text.get());
        } catch (NumberFormatException e) {
            throw invalid(key, "expected a whole number, got '" + text.get() + "'");
        }
        if (value < min || value > max) {
            throw invalid(key, "must be between " + min + " and " + max + ", got " + value);
        }
        return Optional.of(value);
    }

    Optional<Boolean> bool(String key) {
        Object value = raw(key);
        if (value == null) {
            return Optional.empty();
        }
        if (value instanceof Boolean b) {
            return Optional.of(b);
        }
        throw invalid(key, "expected true or false, got '" + value + "'");
    }

    /** An ISO-8601 duration ({@code PT30S}), strictly positive. */
    Optional<Duration> duration(String key) {
        Optional<String> text = string(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        Duration value;
        try {
            value = Duration.parse(text.get());
        } catch (DateTimeParseException e) {
            throw invalid(key, "expected an ISO-8601 duration such as PT30S or PT5M, got '" + text.get() + "'");
        }
        if (value.isNegative() || value.isZero()) {
            throw invalid(key, "must be longer than zero, got " + text.get());
        }
        return Optional.of(value);
    }

    <E extends Enum<E>> Optional<E> choice(String key, Class<E> type) {
        Optional<String> text = string(key);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equalsIgnoreCase(text.get().replace('-', '_'))) {
                return Optional.of(constant);
            }
        }
        throw invalid(key, "expected one of " + names(type) + ", got '" + text.get() + "'");
    }

    /** A list of plain values; a single value counts as a list of one. */
    List<String> strings(String key) {
        Object value = raw(key);
        if (value == null) {
            return List.of();
        }
        List<?> items = value instanceof List<?> list ? list : List.of(value);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            Object item = items.get(i);
            if (item == null || item instanceof Map<?, ?> || item instanceof List<?> || item.toString().isBlank()) {
                throw new InvalidSettingException(where(path(key) + "[" + i + "]") + ": expected a non-empty value");
            }
            out.add(item.toString().trim());
        }
        return out;
    }

    <E extends Enum<E>> List<E> choices(String key, Class<E> type) {
        List<E> out = new ArrayList<>();
        List<String> texts = strings(key);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            E found = null;
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equalsIgnoreCase(text.replace('-', '_'))) {
                    found = constant;
                }
            }
            if (found == null) {
                throw new InvalidSettingException(where(path(key) + "[" + i + "]") + ": expected one of "
                        + names(type) + ", got '" + text + "'");
            }
            out.add(found);
        }
        return out;
    }

    Optional<ConfigNode> section(String key) {
        Object value = raw(key);
        if (value == null) {
            return Optional.empty();
        }
        if (!(value instanceof Map<?, ?> map)) {
            throw invalid(key, "expected a mapping (key: value lines), got '" + value + "'");
        }
        return Optional.of(new ConfigNode(file, path(key), map));
    }

    List<ConfigNode> sections(String key) {
        Object value = raw(key);
        if (value == null) {
            return List.of();
        }
        if (!(value instanceof List<?> list)) {
            throw invalid(key, "expected a list of mappings (lines starting with '- ')");
        }
        List<ConfigNode> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            String itemPath = path(key) + "[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> map)) {
                throw new InvalidSettingException(where(itemPath) + ": expected a mapping, got '" + list.get(i) + "'");
            }
            out.add(new ConfigNode(file, itemPath, map));
        }
        return out;
    }

    /** Call after reading every key this section may hold: a key left over is a typo or belongs elsewhere. */
    void refuseUnknownKeys() {
        for (Object key : values.keySet()) {
            if (!read.contains(String.valueOf(key))) {
                throw new InvalidSettingException(where(path(String.valueOf(key))) + ": unknown key (known here: "
                        + String.join(", ", read) + ")");
            }
        }
    }

    InvalidSettingException invalid(String key, String problem) {
        return new InvalidSettingException(where(path(key)) + ": " + problem);
    }

    private Object raw(String key) {
        read.add(key);
        return values.get(key);
    }

    private String where(String keyPath) {
        return file + ": " + keyPath;
    }

    private static <E extends Enum<E>> String names(Class<E> type) {
        List<String> names = new ArrayList<>();
        for (E constant : type.getEnumConstants()) {
            names.add(constant.name().toLowerCase(java.util.Locale.ROOT));
        }
        return String.join(", ", names);
    }
}
