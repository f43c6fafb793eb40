package dev.panicwatch.kafka.registry;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A small client for the Confluent Schema Registry REST API (also served by Apicurio's {@code /apis/ccompat/v7},
 * Karapace and Redpanda). Every answer that cannot change is cached: an id always names the same schema, and a
 * schema registered under a subject keeps its id, so a serde makes one HTTP call per schema however many records
 * it writes.
 */
public class SchemaRegistryClient {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final RegistrySettings settings;
    private final HttpClient http;
    private final Map<Integer, Schema> schemasById = new ConcurrentHashMap<>();
    private final Map<String, Integer> idsBySubjectAndSchema = new ConcurrentHashMap<>();
    private final AtomicLong httpCalls = new AtomicLong();

    /** A registered schema version. */
    public record SchemaVersion(String subject, int version, int id, Schema schema) {
    }

    public SchemaRegistryClient(RegistrySettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(settings.requestTimeout()).build();
    }

    /** Registers {@code schema} under {@code subject} (or finds it there) and returns its global id. */
    public int register(String subject, Schema schema) {
        return idsBySubjectAndSchema.computeIfAbsent(cacheKey(subject, schema), k -> {
            JsonNode answer = call("POST", "/subjects/" + enc(subject) + "/versions", body(schema),
                    "register a schema under subject '" + subject + "'");
            int id = requiredInt(answer, "id", "register under '" + subject + "'");
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    /** Returns the id {@code schema} already has under {@code subject}, without registering it. */
    public int lookup(String subject, Schema schema) {
        return idsBySubjectAndSchema.computeIfAbsent(cacheKey(subject, schema), k -> {
            JsonNode answer = call("POST", "/subjects/" + enc(subject), body(schema),
                    "look up the writer schema under subject '" + subject + "' (auto.register.schemas is false)");
            int id = requiredInt(answer, "id", "look up under '" + subject + "'");
            schemasById.putIfAbsent(id, schema);
            return id;
        });
    }

    /** The schema with global id {@code id}; cached for good, since ids never change meaning. */
    public Schema schemaById(int id) {
        Schema cached = schemasById.get(id);
        if (cached != null) {
            return cached;
        }
        JsonNode answer = call("GET", "/schemas/ids/" + id, null, "fetch schema id " + id);
        Schema schema = parse(answer.path("schema").asText(null), "schema id " + id);
        schemasById.putIfAbsent(id, schema);
        return schema;
    }

    /** The latest version under {@code subject}; not cached, since it changes when someone registers. */
    public SchemaVersion latest(String subject) {
        JsonNode answer = call("GET", "/subjects/" + enc(subject) + "/versions/latest", null,
                "fetch the latest version of subject '" + subject + "'");
        Schema schema = parse(answer.path("schema").asText(null), "latest version of '" + subject + "'");
        int id = requiredInt(answer, "id", "latest of '" + subject + "'");
        schemasById.putIfAbsent(id, schema);
        return new SchemaVersion(subject, answer.path("version").asInt(-1), id, schema);
    }

    /** Whether {@code schema} may be registered as the next version of {@code subject} under its compatibility rule. */
    public boolean isCompatible(String subject, Schema schema) {
        JsonNode answer = call("POST", "/compatibility/subjects/" + enc(subject) + "/versions/latest", body(schema),
                "check compatibility with subject '" + subject + "'");
        JsonNode flag = answer.get("is_compatible");
        if (flag == null || !flag.isBoolean()) {
            throw new SchemaRegistryException("registry answer to a compatibility check of '" + subject
                    + "' has no boolean is_compatible: " + answer, 200);
        }
        return flag.asBoolean();
    }

    /** Sets the compatibility rule (e.g. BACKWARD) of one subject. */
    public void setCompatibility(String subject, String level) {
        ObjectNode body = JSON.createObjectNode().put("compatibility", level);
        call("PUT", "/config/" + enc(subject), body.toString(), "set compatibility of '" + subject + "' to " + level);
    }

    /** HTTP calls made so far; lets tests prove the caches work. */
    public long httpCalls() {
        return httpCalls.get();
    }

    private JsonNode call(String method, String path, String body, String what) {
        SchemaRegistryException last = null;
        for (URI base : settings.urls()) {
            URI uri = URI.create(base + path);
            HttpRequest.Builder req = HttpRequest.newBuilder(uri)
                    .timeout(settings.requestTimeout())
                    .header("Accept", CONTENT_TYPE + ", application/json");
            settings.basicAuthHeader().ifPresent(h -> req.header("Authorization", h));
            if (body != null) {
                req.header("Content-Type", CONTENT_TYPE).method(method, HttpRequest.BodyPublishers.ofString(body));
            } else {
                req.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> response;
            try {
                httpCalls.incrementAndGet();
                response = http.send(req.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                last = new SchemaRegistryException("schema registry at " + base + " is unreachable (could not "
                        + what + "): " + describe(e), -1, e);
                continue;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new SchemaRegistryException("interrupted while trying to " + what, -1, e);
            }
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                try {
                    return response.body().isBlank() ? JSON.createObjectNode() : JSON.readTree(response.body());
                } catch (IOException e) {
                    throw new SchemaRegistryException("schema registry at " + base + " answered " + what
                            + " with a body that is not JSON: " + abbreviate(response.body()), status, e);
                }
            }
            String message = registryMessage(response.body());
            String hint = switch (status) {
                case 401, 403 -> " (check basic.auth.user.info)";
                case 404 -> "";
                case 409 -> " (the schema is incompatible with the subject's earlier versions)";
                case 422 -> " (the registry rejected the schema)";
                default -> "";
            };
            throw new SchemaRegistryException("schema registry at " + base + " refused to " + what + ": HTTP "
                    + status + " " + message + hint, status);
        }
        throw last;
    }

    private static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    private static String registryMessage(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            if (node != null && node.has("message")) {
                String code = node.has("error_code") ? " (error_code " + node.get("error_code").asText() + ")" : "";
                return node.get("message").asText() + code;
            }
        } catch (IOException ignored) {
            // not JSON: fall through to the raw body
        }
        return abbreviate(body);
    }

    private static String abbreviate(String s) {
        return s == null ? "" : s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    private static String body(Schema schema) {
        return JSON.createObjectNode().put("schemaType", "AVRO").put("schema", schema.toString()).toString();
    }

    private static int requiredInt(JsonNode answer, String field, String what) {
        JsonNode v = answer.get(field);
        if (v == null || !v.canConvertToInt()) {
            throw new SchemaRegistryException("registry answer to " + what + " has no '" + field + "': " + answer, 200);
        }
        return v.asInt();
    }

    private static Schema parse(String text, String what) {
        if (text == null) {
            throw new SchemaRegistryException("registry answer for " + what + " holds no schema", 200);
        }
        try {
            return new Schema.Parser().parse(text);
        } catch (SchemaParseException e) {
            throw new SchemaRegistryException("registry returned an unreadable Avro schema for " + what + ": "
                    + e.getMessage(), 200, e);
        }
    }

    private static String cacheKey(String subject, Schema schema) {
        return subject + '\u0000' + schema.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
