package dev.panicwatch.ingest.replay;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

import dev.panicwatch.diagnosis.parse.UnparseableReportException;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.schemas.HostLoadSample;

/**
 * Reads and checks a scenario folder: {@code events.jsonl}, one JSON object a line, and the panic files it names.
 * Every line is checked before anything is published, and every problem is reported with its line number, so a
 * scenario is replayed whole or not at all.
 *
 * <p>Load lines carry the {@link HostLoadSample} fields by their Avro names; the mapping follows the Avro schema
 * (so a field added to the schema is accepted here without code changes), and a name the schema does not know is an
 * error rather than silently dropped — a typo such as {@code load_1} would otherwise lose the very signal the
 * scenario is about.
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
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            try {
                parsed.add(parseLine(folder, i + 1, line));
            } catch (BadLine e) {
                problems.add(EVENTS_FILE + " line " + (i + 1) + ": " + e.getMessage());
            }
        }
        if (problems.isEmpty() && parsed.isEmpty()) {
            problems.add(events + " holds no events");
        }
        if (!problems.isEmpty()) {
            throw new ScenarioException(problems);
        }
        return new Scenario(folder, parsed);
    }

    /** A line that cannot be used; the message says why. */
    private static final class BadLine extends Exception {
        BadLine(String message) {
            super(message);
        }
    }

    private ScenarioEvent parseLine(Path folder, int number, String line) throws BadLine {
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
            throw new BadLine("missing \"type\" (\"load\" or \"panic\")");
        }
        return switch (type.asText()) {
            case "load" -> new ScenarioEvent.Load(number, loadSample(object));
            case "panic" -> panic(folder, number, object);
            default -> throw new BadLine("unknown type \"" + type.asText() + "\" (expected \"load\" or \"panic\")");
        };
    }

    private HostLoadSample loadSample(ObjectNode object) throws BadLine {
        Schema schema = HostLoadSample.getClassSchema();
        Set<String> unknown = new TreeSet<>();
        object.fieldNames().forEachRemaining(unknown::add);
        unknown.remove("type");
        schema.getFields().forEach(f -> unknown.remove(f.name()));
        if (!unknown.isEmpty()) {
            // Checked first: a misspelt name would otherwise show up as a "missing" field, hiding the typo.
            List<String> known = schema.getFields().stream().map(Schema.Field::name).toList();
            throw new BadLine("unknown field(s) " + unknown + " in a load sample; the fields are " + known);
        }
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
                    throw new BadLine("load sample has no \"" + field.name() + "\" (" + field.doc() + ")");
                }
                sample.put(field.pos(), null);
                continue;
            }
            sample.put(field.pos(), convert(field.name(), type, value));
        }
        checkRanges(sample);
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
                if (!value.canConvertToLong() || !value.isIntegralNumber()) {
                    throw new BadLine("\"" + name + "\" must be a whole number, found " + value);
                }
                return value.asLong();
            case INT:
                if (!value.isIntegralNumber() || !value.canConvertToInt()) {
                    throw new BadLine("\"" + name + "\" must be a whole number, found " + value);
                }
                return value.asInt();
            case DOUBLE:
                if (!value.isNumber()) {
                    throw new BadLine("\"" + name + "\" must be a number, found " + value);
                }
                return value.asDouble();
            default:
                throw new BadLine("\"" + name + "\" has Avro type " + type.getType() + ", which scenarios cannot set");
        }
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
        } catch (DateTimeParseException e) {
            throw new BadLine("\"" + name + "\" is not an ISO-8601 time with offset (e.g. 2026-03-02T09:15:00Z): \""
                    + value.asText() + "\"");
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

    private ScenarioEvent.Panic panic(Path folder, int number, ObjectNode object) throws BadLine {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!PANIC_FIELDS.contains(name)) {
                throw new BadLine("unknown field \"" + name + "\" in a panic event; the fields are "
                        + new TreeSet<>(PANIC_FIELDS));
            }
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
            throw new BadLine("panic file \"" + file + "\" holds no panic: " + e.getMessage());
        }
        return new ScenarioEvent.Panic(number, vm, at, Path.of(file), content);
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
