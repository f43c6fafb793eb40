package dev.panicwatch.diagnosis.parse;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The JSON forms of a panic report: {@code .ips} and {@code panic-full-*.ips} files (a one-line header object such as
 * {@code {"bug_type":"210","timestamp":…,"os_version":…}} followed by a body object with {@code panicString} or, on
 * Intel Macs from 10.15, {@code macOSPanicString}). Whole JSON is read with Jackson; published copies are often cut off
 * inside the panic string, and then the fields are read leniently from the text, keeping the part of the string that
 * survived.
 *
 * @param panicText the panic string, JSON escapes decoded (the text of a whole legacy report: panic line, backtrace…)
 * @param kernel    the body's {@code kernel} field (a {@code Darwin Kernel Version …; root:xnu-…} line)
 * @param osVersion the header's {@code os_version} or the body's {@code build} ({@code macOS 15.1 (24B83)})
 * @param product   the body's {@code product} (hardware model)
 * @param timestamp the header's {@code timestamp} or the body's {@code date}
 * @param complete  false when the JSON was cut short and read leniently
 */
record IpsReport(String panicText, Optional<String> kernel, Optional<String> osVersion, Optional<String> product,
                 Optional<String> timestamp, boolean complete) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> PANIC_STRING_FIELDS = List.of("panicString", "macOSPanicString");

    /**
     * @param json the report text, starting with '{'
     * @return empty when the JSON holds no panic string field
     */
    static Optional<IpsReport> read(String json) {
        List<JsonNode> objects = wholeJson(json);
        if (objects != null) {
            return textField(objects, PANIC_STRING_FIELDS).map(panic -> new IpsReport(panic,
                    textField(objects, List.of("kernel")), textField(objects, List.of("os_version", "build")),
                    textField(objects, List.of("product")), textField(objects, List.of("timestamp", "date")), true));
        }
        return LenientJsonStrings.firstValue(json, PANIC_STRING_FIELDS).map(panic -> new IpsReport(panic,
                LenientJsonStrings.completeValue(json, "kernel"),
                LenientJsonStrings.completeValue(json, "os_version")
                        .or(() -> LenientJsonStrings.completeValue(json, "build")),
                LenientJsonStrings.completeValue(json, "product"),
                LenientJsonStrings.completeValue(json, "timestamp")
                        .or(() -> LenientJsonStrings.completeValue(json, "date")),
                false));
    }

    /** All root objects when the text is a sequence of whole JSON values, else null. */
    private static List<JsonNode> wholeJson(String json) {
        List<JsonNode> objects = new ArrayList<>();
        try (MappingIterator<JsonNode> values = JSON.readerFor(JsonNode.class).readValues(json)) {
            while (values.hasNextValue()) {
                objects.add(values.nextValue());
            }
            return objects;
        } catch (IOException | RuntimeException cutOrMalformed) {
            // Jackson reports a cut-off document as an I/O error and some malformed input as a runtime exception;
            // either way the lenient reader takes over.
            return null;
        }
    }

    private static Optional<String> textField(List<JsonNode> objects, List<String> names) {
        for (String name : names) {
            for (JsonNode object : objects) {
                JsonNode value = object.get(name);
                if (value != null && value.isTextual()) {
                    return Optional.of(value.asText());
                }
            }
        }
        return Optional.empty();
    }
}
