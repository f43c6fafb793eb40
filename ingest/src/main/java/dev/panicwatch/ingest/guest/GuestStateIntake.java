package dev.panicwatch.ingest.guest;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.ingest.panic.http.BearerToken;
import dev.panicwatch.ingest.panic.http.PanicReportIntake;
import dev.panicwatch.ingest.panic.http.Verdict;
import dev.panicwatch.ingest.publish.RecordPublisher;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.GuestStateSource;
import dev.panicwatch.schemas.Topics;

/**
 * Decides what happens to one {@code POST /v1/guest-state}, independent of the HTTP server, with the checks of the
 * report intake: the same bearer token, a size limit, the VM named the same way in the header (when sent) and the
 * body, a body that is one JSON object of the published schema, and an answer of 202 only once Kafka acknowledged
 * (503 with {@code Retry-After} otherwise; the agent sends a fresh reading on its next run anyway). Every error names
 * the field or header at fault.
 */
public final class GuestStateIntake {

    private static final Logger LOG = LoggerFactory.getLogger(GuestStateIntake.class);

    public static final String PATH = "/v1/guest-state";
    /** Where the JSON Schema of the body ({@link GuestStateJson#SCHEMA_RESOURCE}) is served. */
    public static final String SCHEMA_PATH = PATH + "/schema";

    /** A guest state is a few hundred bytes; anything near this is not one. */
    public static final int MAX_BODY_BYTES = 16 * 1024;

    /** One submission as the HTTP layer read it; {@code headerVmId} is {@code X-Panicwatch-Vm-Id}, may be null. */
    public record Submission(String authorization, String headerVmId, String contentType, byte[] body,
                             long declaredBytes, boolean tooLarge) {
    }

    private final ObjectMapper json = new ObjectMapper()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private final BearerToken token;
    private final Duration ackTimeout;
    private final RecordPublisher publisher;
    private final Clock clock;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong unavailable = new AtomicLong();
    private volatile Supplier<Optional<String>> refusal = Optional::empty;

    public GuestStateIntake(String token, Duration ackTimeout, RecordPublisher publisher, Clock clock) {
        this.token = new BearerToken(token);
        this.ackTimeout = ackTimeout;
        this.publisher = publisher;
        this.clock = clock;
    }

    /** While {@code reason} gives one (the topic is missing), good submissions get 503 with it at once. */
    public void refuseWhile(Supplier<Optional<String>> reason) {
        this.refusal = reason;
    }

    public Verdict submit(Submission submission) {
        Verdict verdict = decide(submission);
        if (verdict.status() >= 400 && verdict.status() < 500) {
            rejected.incrementAndGet();
            LOG.info("rejected a guest state ({}): {}", verdict.status(), verdict.body().get("error"));
        }
        return verdict;
    }

    private Verdict decide(Submission s) {
        String authError = token.refusal(s.authorization());
        if (authError != null) {
            return Verdict.error(401, authError);
        }
        if (s.tooLarge()) {
            return Verdict.error(413, "guest state too large: " + (s.declaredBytes() > 0 ? s.declaredBytes()
                    + " bytes" : "more than " + MAX_BODY_BYTES + " bytes") + ", the limit is " + MAX_BODY_BYTES
                    + " bytes");
        }
        if (s.contentType() != null && !s.contentType().isBlank()
                && !s.contentType().toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
            return Verdict.error(415, "Content-Type is '" + s.contentType() + "'; send the guest state as "
                    + "application/json");
        }
        if (s.body().length == 0) {
            return Verdict.error(400, "empty body: send the guest state as one JSON object (schema: GET "
                    + SCHEMA_PATH + ")");
        }
        JsonNode node;
        try {
            node = json.readTree(s.body());
        } catch (JsonParseException e) {
            return Verdict.error(400, "body is not valid JSON: " + e.getOriginalMessage() + " (line "
                    + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")");
        } catch (JsonProcessingException e) {
            if (e.getOriginalMessage().startsWith("Trailing token")) {
                return Verdict.error(400, "body is not valid JSON: more follows the first value; send one object");
            }
            return Verdict.error(400, "body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            return Verdict.error(400, "body cannot be read as JSON: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            return Verdict.error(400, "body must be one JSON object, found " + (node == null ? "nothing"
                    : node.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)));
        }
        GuestStateJson.Read read;
        try {
            read = GuestStateJson.read(object, GuestStateSource.AGENT, clock.instant(), java.util.Set.of());
        } catch (GuestStateJson.InvalidGuestStateException e) {
            return Verdict.error(400, e.getMessage());
        }
        GuestState state = read.state();
        String header = s.headerVmId() == null || s.headerVmId().isBlank() ? null : s.headerVmId().strip();
        if (header != null && !header.equals(state.getVmId())) {
            return Verdict.error(400, "X-Panicwatch-Vm-Id '" + header + "' does not match the body's \"vmId\" '"
                    + state.getVmId() + "': one request must speak for one VM");
        }
        Optional<String> refused = refusal.get();
        if (refused.isPresent()) {
            unavailable.incrementAndGet();
            return Verdict.unavailable(refused.get() + "; the guest state is not stored: send it again in "
                    + PanicReportIntake.RETRY_AFTER_SECONDS + " s", PanicReportIntake.RETRY_AFTER_SECONDS);
        }
        try {
            publisher.publish(Topics.GUEST_STATE, state.getVmId(), state, state.getObservedTime())
                    .get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            unavailable.incrementAndGet();
            LOG.warn("guest state of VM {} not acknowledged by Kafka: {}; told the sender to retry", state.getVmId(),
                    cause.toString());
            return Verdict.unacknowledged("guest state", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Verdict.unavailable("the receiver is shutting down; send the guest state again later",
                    PanicReportIntake.RETRY_AFTER_SECONDS);
        }
        published.incrementAndGet();
        LOG.info("published guest state of VM {}: {}", state.getVmId(), GuestStateJson.fields(state));
        Map<String, Object> answer = new TreeMap<>();
        answer.put("vmId", state.getVmId());
        answer.put("vti", state.getVti());
        if (!read.ignored().isEmpty()) {
            answer.put("ignored", read.ignored());
        }
        return Verdict.accepted(answer);
    }

    /** Counters for {@code GET /health}, under {@code guestState}. */
    public Map<String, Object> counters() {
        return Map.of("published", published.get(), "rejected", rejected.get(), "unavailable", unavailable.get());
    }
}
