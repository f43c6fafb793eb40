package dev.panicwatch.streams.remediations;

import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.avro.LogicalType;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericEnumSymbol;
import org.apache.avro.generic.IndexedRecord;

/**
 * An Avro record as plain JSON-ready values: fields by their Avro names in schema order, timestamps as ISO-8601
 * strings (not epoch millis, so people can read them), enums as their symbols, nulls kept (a missing optional is
 * information, e.g. "no suggested vti").
 */
public final class AvroJson {

    private AvroJson() {
    }

    public static Map<String, Object> of(IndexedRecord record) {
        Map<String, Object> json = new LinkedHashMap<>();
        for (Schema.Field field : record.getSchema().getFields()) {
            json.put(field.name(), value(record.get(field.pos()), field.schema()));
        }
        return json;
    }

    private static Object value(Object value, Schema schema) {
        if (value == null) {
            return null;
        }
        Schema actual = schema.getType() == Schema.Type.UNION ? nonNullBranch(schema) : schema;
        if (value instanceof Instant instant) {
            return instant.toString();
        }
        LogicalType logical = actual == null ? null : actual.getLogicalType();
        if (value instanceof Long millis && (logical instanceof LogicalTypes.TimestampMillis)) {
            return Instant.ofEpochMilli(millis).toString();
        }
        if (value instanceof IndexedRecord nested) {
            return of(nested);
        }
        if (value instanceof CharSequence || value instanceof Enum<?> || value instanceof GenericEnumSymbol<?>) {
            return value.toString();
        }
        if (value instanceof Collection<?> items) {
            Schema itemSchema = actual != null && actual.getType() == Schema.Type.ARRAY ? actual.getElementType() : null;
            List<Object> list = new ArrayList<>();
            items.forEach(item -> list.add(value(item, itemSchema)));
            return list;
        }
        if (value instanceof Map<?, ?> map) {
            Schema valueSchema = actual != null && actual.getType() == Schema.Type.MAP ? actual.getValueType() : null;
            Map<String, Object> out = new LinkedHashMap<>();
            map.forEach((k, v) -> out.put(k.toString(), value(v, valueSchema)));
            return out;
        }
        if (value instanceof ByteBuffer bytes) {
            return Base64.getEncoder().encodeToString(bytes.duplicate().array());
        }
        return value; // numbers and booleans
    }

    private static Schema nonNullBranch(Schema union) {
        for (Schema branch : union.getTypes()) {
            if (branch.getType() != Schema.Type.NULL) {
                return branch;
            }
        }
        return null;
    }
}
