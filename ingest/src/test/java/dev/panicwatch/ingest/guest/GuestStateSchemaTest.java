package dev.panicwatch.ingest.guest;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

import dev.panicwatch.schemas.GuestState;

/**
 * The published JSON Schema of {@code POST /v1/guest-state} describes the body {@link GuestStateJson} reads, and
 * every field it reads has somewhere to go in the Avro record: the three are written by hand, so this holds them
 * together.
 */
class GuestStateSchemaTest {

    private static JsonNode schema() throws IOException {
        try (InputStream in = GuestStateJson.class.getResourceAsStream(GuestStateJson.SCHEMA_RESOURCE)) {
            assertThat(in).as(GuestStateJson.SCHEMA_RESOURCE).isNotNull();
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void theSchemaListsExactlyTheFieldsTheReaderReadsWithVmIdRequired() throws IOException {
        JsonNode schema = schema();
        List<String> properties = new ArrayList<>();
        schema.get("properties").fieldNames().forEachRemaining(properties::add);

        assertThat(properties).containsExactlyElementsOf(GuestStateJson.FIELDS);
        assertThat(schema.get("required").toString()).isEqualTo("[\"vmId\"]");
        assertThat(schema.get("properties").get("bootLogVti").get("maximum").asInt())
                .isEqualTo(GuestStateJson.MAX_SHIFT);
        assertThat(schema.get("properties").get("kernelVersion").get("maxLength").asInt())
                .isEqualTo(GuestStateJson.MAX_TEXT_LENGTH);
    }

    @Test
    void everyFieldOfTheBodyIsAFieldOfTheRecordAndTheRecordAddsOnlyWhatTheReceiverKnows() {
        List<String> record = GuestState.getClassSchema().getFields().stream().map(Schema.Field::name).toList();
        List<String> fromBody = new ArrayList<>(GuestStateJson.FIELDS);
        // "time" is the record's observedTime; the rest carry their names.
        fromBody.set(fromBody.indexOf("time"), "observedTime");

        assertThat(record).containsAll(fromBody);
        List<String> added = new ArrayList<>(record);
        added.removeAll(fromBody);
        assertThat(added).containsExactlyInAnyOrder("receivedTime", "source", "xnuVersion");
    }
}
