package dev.panicwatch.ingest.panic.http;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import io.javalin.Javalin;
import io.javalin.http.Context;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.ingest.guest.GuestStateIntake;
import dev.panicwatch.ingest.guest.GuestStateJson;
import dev.panicwatch.tls.HttpsListener;
import dev.panicwatch.tls.TlsFiles;

/**
 * The HTTP face of {@link PanicReportIntake}: {@code POST /v1/panic-reports} and {@code GET /health}, and of
 * {@link GuestStateIntake} when given one: {@code POST /v1/guest-state}. Every answer,
 * errors included, is JSON; errors are {@code {"error": "..."}} naming the problem.
 */
public final class PanicReportReceiver implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PanicReportReceiver.class);

    /** Default port: clear of Kafka (9092), Confluent Schema Registry (8081) and the query API (8080). */
    public static final int DEFAULT_PORT = 8088;
    public static final String PATH = "/v1/panic-reports";
    /** Bodies beyond the limit are read and discarded up to this, so the sender can read its 413 cleanly. */
    private static final long MAX_DRAIN_BYTES = 64L * 1024 * 1024;
    /**
     * Connections the kernel may hold for the receiver before it accepts them. Jetty's default leaves it to the JVM's
     * 50, which a fleet's agents overflow when many guests boot at once (1,000 concurrent posts overflowed it here):
     * the kernel then drops handshakes, and some senders see their connection reset instead of an answer.
     */
    static final int ACCEPT_QUEUE = 1024;

    /** How TLS is switched on, for messages. */
    public static final String TLS_OPTIONS = "--tls-cert/--tls-key (or PANICWATCH_INGEST_TLS_CERT/_KEY)";

    private final Javalin app;
    private final PanicReportIntake intake;
    private final GuestStateIntake guestStates;
    private HttpsListener https;

    private PanicReportReceiver(Javalin app, PanicReportIntake intake, GuestStateIntake guestStates) {
        this.app = app;
        this.intake = intake;
        this.guestStates = guestStates;
    }

    /**
     * Starts serving plain HTTP on {@code host:port} (port 0 picks a free one, see {@link #port()}).
     */
    public static PanicReportReceiver start(String host, int port, PanicReportIntake intake) {
        return start(host, port, intake, Optional.empty(), HttpsListener.DEFAULT_CHECK_INTERVAL);
    }

    /** As {@link #start(String, int, PanicReportIntake)}, also taking guest states on {@code POST /v1/guest-state}. */
    public static PanicReportReceiver start(String host, int port, PanicReportIntake intake,
                                            GuestStateIntake guestStates) {
        return start(host, port, intake, guestStates, Optional.empty(), HttpsListener.DEFAULT_CHECK_INTERVAL);
    }

    /**
     * Starts serving on {@code host:port}: HTTPS only when {@code tls} is given (its files are watched for renewals
     * every {@code tlsCheckInterval}), else plain HTTP with a warning, since every request carries the token.
     *
     * @throws dev.panicwatch.tls.ServerIdentity.InvalidIdentityException when the certificate or key is unusable
     */
    public static PanicReportReceiver start(String host, int port, PanicReportIntake intake, Optional<TlsFiles> tls,
                                            Duration tlsCheckInterval) {
        return start(host, port, intake, null, tls, tlsCheckInterval);
    }

    /**
     * As {@link #start(String, int, PanicReportIntake, Optional, Duration)}; with {@code guestStates} (may be null)
     * it also serves {@code POST /v1/guest-state} and the schema of its body on {@code GET /v1/guest-state/schema}.
     */
    public static PanicReportReceiver start(String host, int port, PanicReportIntake intake,
                                            GuestStateIntake guestStates, Optional<TlsFiles> tls,
                                            Duration tlsCheckInterval) {
        HttpsListener[] https = new HttpsListener[1];
        Javalin app = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.http.prefer405over404 = true;
            // The body is read here, bounded by the intake's limit, not through Javalin's own size check.
            config.http.maxRequestSize = (long) Math.max(intake.maxBodyBytes(), GuestStateIntake.MAX_BODY_BYTES) + 1;
            tls.ifPresent(files -> https[0] = HttpsListener.configure(config, "panic report receiver", host, port,
                    files, tlsCheckInterval));
            if (tls.isEmpty()) {
                config.jetty.addConnector((server, http) -> {
                    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
                    connector.setHost(host);
                    connector.setPort(port);
                    connector.setAcceptQueueSize(ACCEPT_QUEUE);
                    return connector;
                });
            }
        });
        PanicReportReceiver receiver = new PanicReportReceiver(app, intake, guestStates);
        receiver.https = https[0];
        app.post(PATH, receiver::receive);
        String endpoints = "reports go to POST " + PATH;
        if (guestStates != null) {
            app.post(GuestStateIntake.PATH, receiver::receiveGuestState);
            String schema = readSchema();
            app.get(GuestStateIntake.SCHEMA_PATH, ctx -> ctx.contentType("application/schema+json").result(schema));
            endpoints += ", guest states to POST " + GuestStateIntake.PATH + " (schema: GET "
                    + GuestStateIntake.SCHEMA_PATH + ")";
        }
        app.get("/health", ctx -> {
            Map<String, Object> health = new LinkedHashMap<>();
            health.put("status", "up");
            health.putAll(intake.counters());
            if (guestStates != null) {
                health.put("guestState", guestStates.counters());
            }
            ctx.json(health);
        });
        String where = endpoints;
        app.error(404, ctx -> ctx.json(Map.of("error", "no such endpoint: " + ctx.method() + " " + ctx.path()
                + "; " + where)));
        app.error(405, ctx -> ctx.json(Map.of("error", "method " + ctx.method() + " not allowed on " + ctx.path()
                + "; " + where)));
        app.exception(Exception.class, (e, ctx) -> {
            LOG.error("unexpected failure handling {} {}", ctx.method(), ctx.path(), e);
            ctx.status(500).json(Map.of("error", "internal error: " + e));
        });
        if (receiver.https == null) {
            app.start(); // on the connector added above, with its accept queue
            HttpsListener.warnPlainHttp(LOG, "The panic report receiver", TLS_OPTIONS);
        } else {
            // The SSL plugin's connector listens on the host and port it was given.
            app.start();
            receiver.https.startWatching();
        }
        LOG.info("panic report receiver listening on {}://{}:{}{}", receiver.scheme(), host, app.port(), PATH);
        return receiver;
    }

    public int port() {
        return app.port();
    }

    /** {@code https} or {@code http}. */
    public String scheme() {
        return https != null ? "https" : "http";
    }

    /** A request body read up to a limit: {@code size} is its length when known, else -1. */
    private record Body(byte[] bytes, long size, boolean tooLarge) {
    }

    private static Body read(Context ctx, int limit) throws IOException {
        long declared = ctx.contentLength();
        if (declared > limit) {
            drain(ctx.req().getInputStream());
            return new Body(new byte[0], declared, true);
        }
        try (InputStream in = ctx.req().getInputStream()) {
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                drain(in);
                return new Body(new byte[0], -1, true);
            }
            return new Body(body, declared, false);
        }
    }

    private void receive(Context ctx) throws IOException {
        Body body = read(ctx, intake.maxBodyBytes());
        ReportSubmission submission = new ReportSubmission(ctx.header("Authorization"),
                param(ctx, "X-Panicwatch-Vm-Id", "vmId"), param(ctx, "X-Panicwatch-Host-Id", "hostId"),
                param(ctx, "X-Panicwatch-Smbios-Uuid", "smbiosUuid"), param(ctx, "X-Panicwatch-Boot-Args", "bootArgs"),
                param(ctx, "X-Panicwatch-File-Time", "fileTime"), body.bytes(), body.size(), body.tooLarge());
        answer(ctx, intake.submit(submission));
    }

    private void receiveGuestState(Context ctx) throws IOException {
        Body body = read(ctx, GuestStateIntake.MAX_BODY_BYTES);
        answer(ctx, guestStates.submit(new GuestStateIntake.Submission(ctx.header("Authorization"),
                ctx.header("X-Panicwatch-Vm-Id"), ctx.contentType(), body.bytes(), body.size(), body.tooLarge())));
    }

    private static void answer(Context ctx, Verdict verdict) {
        if (verdict.status() == 401) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"panicwatch\"");
        }
        if (verdict.retryAfterSeconds() != null) {
            ctx.header("Retry-After", Integer.toString(verdict.retryAfterSeconds()));
        }
        ctx.status(verdict.status()).json(verdict.body());
    }

    private static String readSchema() {
        try (InputStream in = GuestStateJson.class.getResourceAsStream(GuestStateJson.SCHEMA_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the guest-state schema " + GuestStateJson.SCHEMA_RESOURCE
                        + " is missing from the classpath; the build is broken");
            }
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read " + GuestStateJson.SCHEMA_RESOURCE, e);
        }
    }

    private static String param(Context ctx, String header, String query) {
        String value = ctx.header(header);
        return value != null && !value.isBlank() ? value : ctx.queryParam(query);
    }

    /** Reads the rest of an oversized body so the connection stays usable and the sender sees the 413. */
    private static void drain(InputStream in) throws IOException {
        byte[] sink = new byte[64 * 1024];
        long total = 0;
        int n;
        while (total < MAX_DRAIN_BYTES && (n = in.read(sink)) > 0) {
            total += n;
        }
    }

    @Override
    public void close() {
        if (https != null) {
            https.close();
        }
        app.stop();
    }
}
