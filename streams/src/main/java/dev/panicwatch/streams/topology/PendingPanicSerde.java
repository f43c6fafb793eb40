package dev.panicwatch.streams.topology;

import java.time.Instant;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.panicwatch.diagnosis.classify.PanicClass;
import dev.panicwatch.streams.advice.PanicFacts;

/**
 * {@link PendingPanic} in {@link StoreNames#PENDING_PANICS} as one flat JSON object: the facts' fields and the two
 * deadlines side by side, under the names the store has used since it exists ({@code panicTimeMillis}, {@code reason},
 * {@code panicClass} as its name, ...). Keeping the layout means entries written by an older version are read as they
 * are, and an older version rolled back to still reads what this one wrote. The one older name, {@code
 * streamDeadlineMillis} (before issue 11, for what is now {@code samplesUntilMillis}), is read too.
 */
final class PendingPanicSerde implements Serde<PendingPanic> {

    static final String SAMPLES_UNTIL = "samplesUntilMillis";
    /** What {@link #SAMPLES_UNTIL} was called before issue 11. */
    static final String SAMPLES_UNTIL_BEFORE_ISSUE_11 = "streamDeadlineMillis";

    private final JsonSerde<JsonNode> json = new JsonSerde<>(JsonNode.class);

    @Override
    public Serializer<PendingPanic> serializer() {
        Serializer<JsonNode> nodes = json.serializer();
        return (topic, pending) -> pending == null ? null : nodes.serialize(topic, write(pending));
    }

    @Override
    public Deserializer<PendingPanic> deserializer() {
        Deserializer<JsonNode> nodes = json.deserializer();
        return (topic, bytes) -> {
            JsonNode node = nodes.deserialize(topic, bytes);
            return node == null ? null : read(node, topic);
        };
    }

    private static ObjectNode write(PendingPanic pending) {
        PanicFacts facts = pending.facts();
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("reportId", facts.reportId());
        node.put("vmId", facts.vmId());
        node.put("hostId", facts.hostId());
        node.put("panicTimeMillis", facts.panicTime().toEpochMilli());
        node.put("panicClass", facts.panicClass().name());
        node.put("vtiHelps", facts.vtiHelps());
        node.put("currentVti", facts.currentVti());
        node.put("xnuVersion", facts.xnuVersion());
        node.put("bootArgs", facts.bootArgs());
        node.put("reason", facts.diagnosisReason());
        node.put(SAMPLES_UNTIL, pending.samplesUntilMillis());
        node.put("wallDeadlineMillis", pending.wallDeadlineMillis());
        return node;
    }

    private static PendingPanic read(JsonNode node, String topic) {
        String panicClass = text(node, "panicClass", true, topic);
        PanicClass parsedClass;
        try {
            parsedClass = PanicClass.valueOf(panicClass);
        } catch (IllegalArgumentException unknown) {
            throw wrong("panicClass", "'" + panicClass + "' is not a panic class", topic);
        }
        PanicFacts facts = new PanicFacts(text(node, "reportId", true, topic), text(node, "vmId", true, topic),
                text(node, "hostId", false, topic), Instant.ofEpochMilli(number(node, "panicTimeMillis", topic)),
                parsedClass, flag(node, "vtiHelps", topic), (int) number(node, "currentVti", topic),
                text(node, "xnuVersion", false, topic), text(node, "bootArgs", false, topic),
                text(node, "reason", false, topic));
        boolean beforeIssue11 = !node.has(SAMPLES_UNTIL) && node.has(SAMPLES_UNTIL_BEFORE_ISSUE_11);
        long samplesUntil = number(node, beforeIssue11 ? SAMPLES_UNTIL_BEFORE_ISSUE_11 : SAMPLES_UNTIL, topic);
        return new PendingPanic(facts, samplesUntil, number(node, "wallDeadlineMillis", topic));
    }

    private static String text(JsonNode node, String field, boolean required, String topic) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw wrong(field, "is missing", topic);
            }
            return null;
        }
        if (!value.isTextual()) {
            throw wrong(field, "is not a string", topic);
        }
        return value.textValue();
    }

    private static long number(JsonNode node, String field, String topic) {
        JsonNode value = present(node, field, topic);
        if (!value.isIntegralNumber() || !value.canConvertToLong()) {
            throw wrong(field, "is not a whole number", topic);
        }
        return value.longValue();
    }

    private static boolean flag(JsonNode node, String field, String topic) {
        JsonNode value = present(node, field, topic);
        if (!value.isBoolean()) {
            throw wrong(field, "is not true or false", topic);
        }
        return value.booleanValue();
    }

    private static JsonNode present(JsonNode node, String field, String topic) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw wrong(field, "is missing", topic);
        }
        return value;
    }

    private static SerializationException wrong(String field, String problem, String topic) {
        return new SerializationException("pending panic in " + topic + ": " + field + " " + problem);
    }
}
