package dev.panicwatch.cli;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.schemas.AdviceOutcome;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.streams.remediations.AdviceOutcomeText;
import dev.panicwatch.streams.remediations.AvroJson;
import dev.panicwatch.streams.remediations.RemediationText;

/**
 * What the demo prints for each event of the loop. Readable: a remediation as {@link RemediationText} writes it
 * (a few lines and an empty one), an advice outcome as one {@link AdviceOutcomeText} line. JSON, one object a line:
 * the record's Avro fields with a {@code kind} in front ({@value #REMEDIATION} or {@value #ADVICE_OUTCOME}), so a
 * reader of the mixed stream tells them apart; a remediation's fields are the same as without it.
 */
final class DemoEventText {

    static final String KIND = "kind";
    static final String REMEDIATION = "remediation";
    static final String ADVICE_OUTCOME = "adviceOutcome";

    private static final ObjectMapper JSON = new ObjectMapper();

    private DemoEventText() {
    }

    static String remediation(RemediationEvent event, boolean json) {
        return json ? tagged(REMEDIATION, AvroJson.of(event)) : RemediationText.printed(event, false);
    }

    static String outcome(AdviceOutcome outcome, boolean json) {
        return json ? tagged(ADVICE_OUTCOME, AdviceOutcomeText.fields(outcome)) : AdviceOutcomeText.readable(outcome);
    }

    private static String tagged(String kind, Map<String, Object> fields) {
        Map<String, Object> object = new LinkedHashMap<>();
        object.put(KIND, kind);
        object.putAll(fields);
        try {
            return JSON.writeValueAsString(object);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a " + kind + " did not convert to JSON", e);
        }
    }
}
