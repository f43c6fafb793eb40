package dev.panicwatch.ingest.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

import dev.panicwatch.diagnosis.parse.UnparseableReportException;
import dev.panicwatch.ingest.guest.GuestStateJson;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.HostLoadSample;

/**
 * Reads and checks a scenario folder: {@code events.jsonl}, one JSON object a line, and the panic files it names.
 * Every line is checked before anything is published, and every problem is reported with its line number.
 *
 * <p>What is wrong with the scenario itself (a line that is not JSON, an unknown type, a missing or malformed required
 * field, a file that is missing or outside the folder) is an error, and nothing is replayed: a half-replayed scenario
 * would yield advice for the wrong data. What a live system would also meet is a warning: a panic file that holds no
 * panic is skipped (the collectors reject it too), and fields the format does not know are ignored (named, so a typo
 * in an optional field does not go unnoticed).
 *
 * <p>Guest lines carry the fields of the receiver's {@code POST /v1/guest-state} body ({@link GuestStateJson}).
 *
 * <p>Load lines carry the {@link HostLoadSample} fields by their Avro names; the mapping follows the Avro schema, so
 * a field added to the schema is accepted here without code changes.
 */
public final class ScenarioReader {

    public static final String EVENTS_FILE = "events.jsonl";
    private static final Set<String> PANIC_FIELDS = Set.of("type", "vmId", "hostId", "smbiosUuid", "time", "file",
            "bootArgs");

    private final ObjectMapper json = new ObjectMapper();
    private final PanicReportFactory factory;

    public ScenarioReader(PanicReportFactory factory) {
        this.factory = factory;
    }

    /**
     * @throws ScenarioException listing every bad line (nothing of the scenario is usable then)
     */
    public Scenario read(Path folder) throws IOException, ScenarioException {
        Path events = folder.resolve(EVENTS_FILE);
        List<String> lines;
        try {
            lines = Files.readAllLines(events, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new ScenarioException(List.of("no " + EVENTS_FILE + " in " + folder));
        }
        List<ScenarioEvent> parsed = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = EVENTS_FILE + " line " + (i + 1) + ": ";
            try {
                Line read = parseLine(folder, i + 1, line);
                read.event().ifPresent(parsed::add);
                read.warnings().forEach(w -> warnings.add(where + w));
            } catch (BadLine e) {
                problems.add(where + e.getMessage());
            }
        }
        if (problems.isEmpty() && parsed.isEmpty()) {
            problems.add(events + " holds no events" + (warnings.isEmpty() ? "" : " to publish: " + warnings));
        }
        if (!problems.isEmpty()) {
            throw new ScenarioException(problems);
        }
        return new Scenario(folder, parsed, warnings);
    }

    /** What one good line yields: an event (none for a skipped panic file) and warnings. */
    private record Line(Optional<ScenarioEvent> event, List<String> warnings) {
    }

    /** A line that cannot be used; the message says why. */
    private static final class BadLine extends Exception {
        BadLine(String message) {
            super(message);
        }
    }

    private Line parseLine(Path folder, int number, String line) throws BadLine {
        JsonNode node;
        try {
            node = json.readTree(line);
        } catch (JsonProcessingException e) {
            throw new BadLine("not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (!(node instanceof ObjectNode object)) {
            throw new BadLine("expected a JSON object, found " + node.getNodeType().toString().toLowerCase());
        }
        JsonNode type = object.get("type");
        if (type == null || !type.isTextual()) {
            throw new BadLine("missing \"type\" (\"load\", \"panic\" or \"guest\")");
        }
        List<String> warnings = new ArrayList<>();
        return switch (type.asText()) {
            case "load" -> new Line(Optional.of(new ScenarioEvent.Load(number, loadSample(object, warnings))), warnings);
            case "panic" -> new Line(panic(folder, number, object, warnings), warnings);
            case "guest" -> new Line(Optional.of(new ScenarioEvent.Guest(number, guest(object, warnings))), warnings);
            default -> throw new BadLine("unknown type \"" + type.asText()
                    + "\" (expected \"load\", \"panic\" or \"guest\")");
        };
    }

    private HostLoadSample loadSample(ObjectNode object, List<String> warnings) throws BadLine {
        Schema schema = HostLoadSample.getClassSchema();
        Set<String> unknown = new TreeSet<>();
        object.fieldNames().forEachRemaining(unknown::add);
        unknown.remove("type");
        schema.getFields().forEach(f -> unknown.remove(f.name()));
        String unknownNote = unknown.isEmpty() ? "" : "; unknown field(s) " + unknown + " ignored (a typo?)";
        HostLoadSample sample = new HostLoadSample();
        for (Schema.Field field : schema.getFields()) {
            JsonNode value = object.get(field.name());
            Schema type = field.schema();
            boolean nullable = type.isNullable();
            if (type.isUnion()) {
                type = type.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).findFirst().orElseThrow();
            }
            if (value == null || value.isNull()) {
                if (!nullable) {
                    throw new BadLine("load sample has no \"" + field.name() + "\" (" + field.doc() + ")" + unknownNote);
                }
                sample.put(field.pos(), null);
                continue;
            }
            sample.put(field.pos(), convert(field.name(), type, value));
        }
        checkRanges(sample);
        if (!unknown.isEmpty()) {
            warnings.add("unknown field(s) " + unknown + " of a load sample ignored; the fields are "
                    + schema.getFields().stream().map(Schema.Field::name).toList());
        }
        return sample;
    }

    private static Object convert(String name, Schema type, JsonNode value) throws BadLine {
        switch (type.getType()) {
            case STRING:
                if (!value.isTextual() || value.asText().isBlank()) {
                    throw new BadLine("\"" + name + "\" must be a non-empty string, found " + value);
                }
                return value.asText();
            case LONG:
                if (type.getLogicalType() instanceof LogicalTypes.TimestampMillis) {
                    return instant(name, value);
                }
                return wholeNumber(name, value, Long.MIN_VALUE, Long.MAX_VALUE);
            case INT:
                return (int) wholeNumber(name, value, Integer.MIN_VALUE, Integer.MAX_VALUE);
            case DOUBLE:
                if (!value.isNumber()) {
                    throw new BadLine("\"" + name + "\" must be a number, found " + value);
                }
                return value.asDouble();
            default:
                throw new BadLine("\"" + name + "\" has Avro type " + type.getType() + ", which scenarios cannot set");
        }
    }

    /** 32 and 32.0 alike (JSON writers differ), but not 32.5 or "32". */
    private static long wholeNumber(String name, JsonNode value, long min, long max) throws BadLine {
        if (value.isIntegralNumber() && value.canConvertToLong()) {
            long v = value.asLong();
            if (v >= min && v <= max) {
                return v;
            }
        } else if (value.isFloatingPointNumber()) {
            double d = value.asDouble();
            if (d == Math.rint(d) && d >= min && d <= max) {
                return (long) d;
            }
        }
        throw new BadLine("\"" + name + "\" must be a whole number" + (max == Integer.MAX_VALUE ? " (32-bit)" : "")
                + ", found " + value);
    }

    private static Instant instant(String name, JsonNode value) throws BadLine {
        if (value.isIntegralNumber()) {
            return Instant.ofEpochMilli(value.asLong());
        }
        if (!value.isTextual()) {
            throw new BadLine("\"" + name + "\" must be an ISO-8601 time such as 2026-03-02T09:15:00Z, found " + value);
        }
        try {
            return OffsetDateTime.parse(value.asText()).toInstant();
        } catch (DateTimeParseException withoutOffset) {
            try {
                // No offset given: read as UTC, the zone every Panicwatch time is in.
                return LocalDateTime.parse(value.asText()).toInstant(ZoneOffset.UTC);
            } catch (DateTimeParseException e) {
                throw new BadLine("\"" + name + "\" is not an ISO-8601 time (e.g. 2026-03-02T09:15:00Z): \""
                        + value.asText() + "\"");
            }
        }
    }

    /** Values the topology would misread rather than reject: catch them here, with the line. */
    private static void checkRanges(HostLoadSample s) throws BadLine {
        if (s.getHostCpus() < 1) {
            throw new BadLine("hostCpus must be at least 1, found " + s.getHostCpus());
        }
        if (s.getVmVcpus() < 1) {
            throw new BadLine("vmVcpus must be at least 1, found " + s.getVmVcpus());
        }
        if (s.getIntervalMillis() <= 0) {
            throw new BadLine("intervalMillis must be positive, found " + s.getIntervalMillis());
        }
        for (Map.Entry<String, Double> load : Map.of("load1", s.getLoad1(), "load5", s.getLoad5(),
                "load15", s.getLoad15()).entrySet()) {
            if (load.getValue() < 0 || load.getValue().isNaN()) {
                throw new BadLine(load.getKey() + " must not be negative, found " + load.getValue());
            }
        }
        fraction("hostCpuBusy", s.getHostCpuBusy(), 1);
        fraction("vcpuWaitRatioMax", s.getVcpuWaitRatioMax(), 1);
        fraction("cpuPressureSome10", s.getCpuPressureSome10(), 100);
        fraction("vmCpuPressureSome10", s.getVmCpuPressureSome10(), 100);
    }

    private static void fraction(String name, Double value, double max) throws BadLine {
        if (value != null && (value < 0 || value > max || value.isNaN())) {
            throw new BadLine(name + " must be between 0 and " + (max == 1 ? "1" : "100") + ", found " + value);
        }
    }

    /**
     * A guest line: the fields of {@code POST /v1/guest-state} (one reader for both, {@link GuestStateJson}), with
     * {@code time} and {@code bootArgs} required, since a replayed observation must say when it was made and what
     * ran ({@code ""} for no boot-args).
     */
    private static GuestState guest(ObjectNode object, List<String> warnings) throws BadLine {
        for (String required : List.of("vmId", "time", "bootArgs")) {
            if (!object.hasNonNull(required)) {
                throw new BadLine("guest event has no \"" + required + "\"" + ("bootArgs".equals(required)
                        ? " (give \"\" for a guest without boot-args)" : ""));
            }
        }
        // Times as every scenario line takes them (no offset: UTC; epoch milliseconds), then in the form the
        // receiver's reader takes.
        for (String name : List.of("time", "bootTime")) {
            JsonNode value = object.get(name);
            if (value != null && !value.isNull()) {
                object.put(name, instant(name, value).toString());
            }
        }
        GuestStateJson.Read read;
        try {
            // Replayed: received when observed, as an agent posting at that moment would be.
            read = GuestStateJson.read(object, GuestStateSource.SCENARIO, Instant.EPOCH, Set.of("type"));
        } catch (GuestStateJson.InvalidGuestStateException e) {
            throw new BadLine("guest event: " + e.getMessage());
        }
        if (!read.ignored().isEmpty()) {
            warnings.add("unknown field(s) " + read.ignored() + " of a guest event ignored; the fields are "
                    + new TreeSet<>(GuestStateJson.FIELDS));
        }
        GuestState state = read.state();
        state.setReceivedTime(state.getObservedTime());
        return state;
    }

    private Optional<ScenarioEvent> panic(Path folder, int number, ObjectNode object, List<String> warnings)
            throws BadLine {
        Set<String> unknown = new TreeSet<>();
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!PANIC_FIELDS.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            warnings.add("unknown field(s) " + unknown + " of a panic event ignored; the fields are "
                    + new TreeSet<>(PANIC_FIELDS));
        }
        VmIdentity vm;
        try {
            vm = new VmIdentity(text(object, "vmId"), text(object, "hostId"), text(object, "smbiosUuid"),
                    text(object, "bootArgs"));
        } catch (IllegalArgumentException e) {
            throw new BadLine("panic event: " + e.getMessage());
        }
        JsonNode time = object.get("time");
        if (time == null || time.isNull()) {
            throw new BadLine("panic event has no \"time\"");
        }
        Instant at = instant("time", time);
        String file = text(object, "file");
        if (file == null || file.isBlank()) {
            throw new BadLine("panic event has no \"file\" (the report, relative to " + folder + ")");
        }
        Path base = folder.toAbsolutePath().normalize();
        Path resolved = base.resolve(file).normalize();
        if (!resolved.startsWith(base)) {
            throw new BadLine("panic file \"" + file + "\" lies outside the scenario folder");
        }
        byte[] content;
        try {
            content = Files.readAllBytes(resolved);
        } catch (NoSuchFileException e) {
            throw new BadLine("panic file \"" + file + "\" not found in " + folder);
        } catch (IOException e) {
            throw new BadLine("cannot read panic file \"" + file + "\": " + e.getMessage());
        }
        try {
            factory.create(content, vm, at, at);
        } catch (UnparseableReportException e) {
            warnings.add("panic file \"" + file + "\" holds no panic, skipped as a collector would reject it: "
                    + e.getMessage());
            return Optional.empty();
        }
        return Optional.of(new ScenarioEvent.Panic(number, vm, at, Path.of(file), content));
    }

    private static String text(ObjectNode object, String name) throws BadLine {
        JsonNode value = object.get(name);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new BadLine("\"" + name + "\" must be a string, found " + value);
        }
        return value.asText();
    }
}
