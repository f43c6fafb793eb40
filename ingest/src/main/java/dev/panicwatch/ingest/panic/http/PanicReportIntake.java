package dev.panicwatch.ingest.panic.http;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.diagnosis.parse.UnparseableReportException;
import dev.panicwatch.ingest.panic.PanicReportFactory;
import dev.panicwatch.ingest.panic.PanicReportPublisher;
import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.ingest.guest.ReportedBootArgs;
import dev.panicwatch.ingest.publish.RecordPublisher;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.PanicReport;
import dev.panicwatch.schemas.Topics;

/**
 * Decides what happens to one submitted report, independent of the HTTP server: authenticate, check identity, size,
 * encoding and content, publish, and say so only once Kafka acknowledged. While Kafka is unreachable the answer is 503
 * with {@code Retry-After}: the sender (the guest agent) still has the file and sends it again, so a report is never
 * acknowledged without being in Kafka, and there is no spool on the receiver that could be lost with its disk.
 */
public final class PanicReportIntake {

    private static final Logger LOG = LoggerFactory.getLogger(PanicReportIntake.class);

    /** How long a sender should wait after a 503 before trying again. */
    public static final int RETRY_AFTER_SECONDS = 30;

    private final BearerToken token;
    private final int maxBodyBytes;
    private final Duration ackTimeout;
    private final PanicReportFactory factory;
    private final PanicReportPublisher publisher;
    private final Clock clock;
    private final AtomicLong published = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong unavailable = new AtomicLong();
    private final AtomicLong bootArgsObserved = new AtomicLong();
    private volatile Supplier<Optional<String>> refusal = Optional::empty;
    private volatile RecordPublisher guestStates;

    /**
     * @param token        the bearer token senders must present
     * @param maxBodyBytes larger bodies get 413
     * @param ackTimeout   how long to wait for Kafka's acknowledgement before answering 503
     */
    public PanicReportIntake(String token, int maxBodyBytes, Duration ackTimeout, PanicReportFactory factory,
                             PanicReportPublisher publisher, Clock clock) {
        this.token = new BearerToken(token);
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("body limit " + maxBodyBytes + " bytes is too small for a panic report");
        }
        this.maxBodyBytes = maxBodyBytes;
        this.ackTimeout = ackTimeout;
        this.factory = factory;
        this.publisher = publisher;
        this.clock = clock;
    }

    /**
     * While {@code reason} gives a reason (the target topic is missing: {@link TopicWatch}), good reports are
     * answered 503 with it at once instead of after the acknowledgement timeout.
     */
    public void refuseWhile(Supplier<Optional<String>> reason) {
        this.refusal = reason;
    }

    /**
     * From now on, a newly published report that carries boot-args is also published to {@code guest-state} as an
     * observation ({@link ReportedBootArgs}, which says why here). The report's answer does not depend on it: the
     * report is stored either way, and the agent's next guest-state run says the same.
     */
    public void observeBootArgs(RecordPublisher guestStatePublisher) {
        this.guestStates = guestStatePublisher;
    }

    public int maxBodyBytes() {
        return maxBodyBytes;
    }

    public Verdict submit(ReportSubmission submission) {
        Verdict verdict = decide(submission);
        if (verdict.status() >= 400 && verdict.status() < 500) {
            rejected.incrementAndGet();
            LOG.info("rejected a report ({}): {}", verdict.status(), verdict.body().get("error"));
        }
        return verdict;
    }

    private Verdict decide(ReportSubmission s) {
        String authError = token.refusal(s.authorization());
        if (authError != null) {
            return Verdict.error(401, authError);
        }
        VmIdentity vm;
        try {
            vm = new VmIdentity(s.vmId(), s.hostId(), s.smbiosUuid(), s.bootArgs());
        } catch (IllegalArgumentException e) {
            return Verdict.error(400, e.getMessage() + " (header X-Panicwatch-Vm-Id or query parameter vmId; likewise "
                    + "X-Panicwatch-Host-Id/hostId, X-Panicwatch-Smbios-Uuid/smbiosUuid, X-Panicwatch-Boot-Args/bootArgs)");
        }
        if (s.tooLarge()) {
            return Verdict.error(413, "report too large: " + (s.declaredBytes() > 0 ? s.declaredBytes() + " bytes"
                    : "more than " + maxBodyBytes + " bytes") + ", the limit is " + maxBodyBytes + " bytes");
        }
        byte[] body = s.body();
        if (body.length == 0) {
            return Verdict.error(400, "empty body: send the panic report file as the request body");
        }
        int badByte = PanicReportFactory.firstInvalidUtf8Offset(body);
        if (badByte >= 0) {
            return Verdict.error(400, "body is not UTF-8 text (invalid byte at offset " + badByte
                    + "); send the report file unchanged");
        }
        Instant now = clock.instant();
        Instant fileTime;
        try {
            fileTime = parseFileTime(s.fileTime());
        } catch (DateTimeException | NumberFormatException e) {
            return Verdict.error(400, "X-Panicwatch-File-Time '" + s.fileTime()
                    + "' is neither an ISO-8601 instant nor epoch seconds");
        }
        PanicReport report;
        try {
            report = factory.create(body, vm, fileTime == null ? now : fileTime, now);
        } catch (UnparseableReportException e) {
            return Verdict.error(422, "no panic in the report: " + e.getMessage());
        }
        Optional<String> refused = refusal.get();
        if (refused.isPresent()) {
            unavailable.incrementAndGet();
            return Verdict.unavailable(refused.get() + "; the report is not stored: send it again in "
                    + RETRY_AFTER_SECONDS + " s", RETRY_AFTER_SECONDS);
        }
        try {
            PanicReportPublisher.Publication publication = publisher.publish(report)
                    .get(ackTimeout.toMillis(), TimeUnit.MILLISECONDS);
            (publication.duplicate() ? duplicates : published).incrementAndGet();
            if (!publication.duplicate()) {
                publishBootArgs(report, vm, now);
            }
            return Verdict.accepted(publication.reportId(), publication.duplicate());
        } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            unavailable.incrementAndGet();
            LOG.warn("report {} of VM {} not acknowledged by Kafka: {}; told the sender to retry", report.getReportId(),
                    vm.vmId(), cause.toString());
            // A second copy a retry may make is dropped by the topology by its reportId.
            return Verdict.unacknowledged("report", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Verdict.unavailable("the receiver is shutting down; send the report again later",
                    RETRY_AFTER_SECONDS);
        }
    }

    private void publishBootArgs(PanicReport report, VmIdentity vm, Instant started) throws InterruptedException {
        RecordPublisher target = guestStates;
        Optional<GuestState> observation = target == null ? Optional.empty()
                : ReportedBootArgs.observation(report, vm);
        if (observation.isEmpty()) {
            return;
        }
        GuestState state = observation.get();
        long budget = Math.max(1, ackTimeout.minus(Duration.between(started, clock.instant())).toMillis());
        try {
            target.publish(Topics.GUEST_STATE, state.getVmId(), state, state.getObservedTime())
                    .get(budget, TimeUnit.MILLISECONDS);
            bootArgsObserved.incrementAndGet();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("boot-args of report {} of VM {} not published to {}: {}; the agent's next guest-state run "
                    + "reports them", report.getReportId(), vm.vmId(), Topics.GUEST_STATE, e.toString());
        }
    }

    private static Instant parseFileTime(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.strip();
        return v.chars().allMatch(Character::isDigit) ? Instant.ofEpochSecond(Long.parseLong(v)) : Instant.parse(v);
    }

    /** Counters for {@code GET /health}. */
    public Map<String, Object> counters() {
        return Map.of("published", published.get(), "duplicates", duplicates.get(),
                "rejected", rejected.get(), "unavailable", unavailable.get(),
                "bootArgsObserved", bootArgsObserved.get());
    }
}
