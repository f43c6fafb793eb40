package dev.panicwatch.ingest.host;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import org.apache.avro.Schema;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * One sample as one line of JSON, for {@code --once --json}: the Avro field names and values, absent figures as
 * {@code null}, the sample time in ISO-8601. Built from the record's schema, so a field added to the contract shows
 * up here without a change.
 */
public final class SampleJson {

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    private SampleJson() {
    }

    public static String toJson(HostLoadSample sample) {
        Map<String, Object> fields = new LinkedHashMap<>();
        for (Schema.Field field : sample.getSchema().getFields()) {
            fields.put(field.name(), sample.get(field.pos()));
        }
        try {
            return MAPPER.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a HostLoadSample holds only strings, numbers and an Instant: " + e, e);
        }
    }
}
