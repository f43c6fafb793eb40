package dev.panicwatch.streams.query;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.staticfiles.Location;
import io.javalin.json.JavalinJackson;

import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.metrics.PanicwatchMetrics;
import dev.panicwatch.tls.HttpsListener;

/**
 * The HTTP side of the streams app (Javalin): the query API under {@code /api/v1}, {@code /health},
 * {@code /api/openapi.json}, Prometheus {@code /metrics} and the dashboard at {@code /} (uPlot from its WebJar under
 * {@code /webjars}). It starts before Kafka Streams, because Streams must be told this server's address
 * ({@code application.server}) when it is built; until {@link #attach} every query answers 503.
 *
 * <p>With a token, {@code /api/v1/*} and {@code /metrics} require {@code Authorization: Bearer <token>}; the health
 * check, the OpenAPI description and the dashboard's static files stay open (they hold no data; the dashboard sends
 * the token it is given in its URL fragment). {@code /metrics} is opened on its own only when asked
 * ({@code PANICWATCH_API_METRICS_OPEN}): its series count the fleet's panics per class and its advice per action
 * (docs/tls.md says why that is not public).
 *
 * <p>With a certificate ({@link QueryApiSettings#tls()}) it speaks HTTPS only, and asks other instances over HTTPS.
 */
public final class QueryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
    /** Seconds a client should wait before retrying a 503 (a rebalance on a small cluster takes a few seconds). */
    static final String RETRY_AFTER_SECONDS = "5";
    private static final int MAX_TOP = 1000;

    private static final Set<String> RATE_PARAMETERS = Set.of("vm", "host", "span", "from", "to",
            RoutedQueries.FORWARDED);
    private static final Set<String> TOP_PARAMETERS = Set.of("top", "span", "from", "to", RoutedQueries.LOCAL);
    private static final Set<String> REMEDIATION_PARAMETERS = Set.of("vm", RoutedQueries.FORWARDED);
    private static final Set<String> AT_RISK_PARAMETERS = Set.of("host", RoutedQueries.FORWARDED);
    private static final Set<String> OUTCOMES_PARAMETERS = Set.of("host", "status", RoutedQueries.LOCAL);
    private static final Set<String> LOAD_PARAMETERS = Set.of("vm", "span", "from", "to", RoutedQueries.FORWARDED);

    private final QueryApiSettings settings;
    private final PipelineSettings pipeline;
    private final PanicwatchMetrics metrics;
    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock = Clock.systemUTC();
    private final String openApi;
    private final Javalin http;
    private HttpsListener https;
    private volatile RoutedQueries queries;
    private volatile StreamsInstances instances;
    private volatile Supplier<Optional<String>> stopReason = Optional::empty;
    private volatile Supplier<Optional<String>> lastThreadFailure = Optional::empty;

    private QueryServer(QueryApiSettings settings, PipelineSettings pipeline, PanicwatchMetrics metrics) {
        this.settings = settings;
        this.pipeline = pipeline;
        this.metrics = metrics;
        this.openApi = resource("openapi.json");
        this.http = Javalin.create(config -> {
            config.showJavalinBanner = false;
            config.jsonMapper(new JavalinJackson(json, false));
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/dashboard";
                files.location = Location.CLASSPATH;
            });
            config.staticFiles.enableWebjars();
            settings.tls().ifPresent(files -> https = HttpsListener.configure(config, "query API", null,
                    settings.port(), files, HttpsListener.DEFAULT_CHECK_INTERVAL));
        });
        routes();
    }

    /**
     * Starts listening on {@code settings.port()} (0 = a free port).
     *
     * @param pipeline the pipeline's settings: the rate window, how long counts and load are kept (the furthest a
     *                 range reaches), and the raw window and summary interval of the load view
     */
    public static QueryServer start(QueryApiSettings settings, PipelineSettings pipeline, PanicwatchMetrics metrics) {
        QueryServer server = new QueryServer(settings, pipeline, metrics);
        try {
            if (server.https != null) {
                // The SSL plugin's connector listens on the configured port.
                server.http.start();
                server.https.startWatching();
            } else {
                server.http.start(settings.port());
            }
        } catch (io.javalin.util.JavalinBindException e) {
            throw new IllegalStateException("the query API cannot listen on port " + settings.port()
                    + " (in use? choose another with --api-port or PANICWATCH_API_PORT): " + e.getMessage(), e);
        }
        LOG.info("query API and dashboard on {}/ (token {}{})", server.url(),
                settings.token().isPresent() ? "required" : "not required",
                settings.metricsOpen() ? ", /metrics open" : "");
        if (settings.token().isEmpty()) {
            LOG.warn("The query API is open: anyone who reaches port {} reads every VM's advice and load. Set {} "
                    + "(and give clients the same token) wherever the port is reachable from other machines.",
                    server.port(), QueryApiSettings.TOKEN_ENV);
        } else if (settings.tls().isEmpty()) {
            HttpsListener.warnPlainHttp(LOG, "The query API", "--api-tls-cert/--api-tls-key (or "
                    + QueryApiSettings.TLS_CERT_ENV + "/_KEY)");
        }
        return server;
    }

    /** The port actually bound. */
    public int port() {
        return http.port();
    }

    /** {@code host:port} for Kafka Streams' {@code application.server}. */
    public String advertisedAddress() {
        return settings.advertisedHost() + ":" + port();
    }

    /** Base URL, e.g. {@code https://localhost:8080}. */
    public String url() {
        return settings.scheme() + "://" + advertisedAddress();
    }

    /** Starts answering from {@code streams}, whose {@code application.server} must be {@link #advertisedAddress}. */
    public void attach(KafkaStreams streams) {
        attach(streams, Optional::empty, Optional::empty);
    }

    /**
     * As {@link #attach(KafkaStreams)}, with the app's reasons for {@code /health}: why it stopped (while the process
     * is on its way out) and the last stream-thread failure a replacement thread took over from.
     */
    public void attach(KafkaStreams streams, Supplier<Optional<String>> stopReason,
                       Supplier<Optional<String>> lastThreadFailure) {
        this.stopReason = stopReason;
        this.lastThreadFailure = lastThreadFailure;
        StreamsInstances attached = new StreamsInstances(streams, new HostInfo(settings.advertisedHost(), port()));
        LocalStateQueries local = new LocalStateQueries(attached, pipeline);
        this.queries = new RoutedQueries(attached, local, new PeerClient(json, settings.token(),
                settings.scheme(), settings.peerTrust()), json, clock);
        this.instances = attached;
        metrics.bind(streams);
    }

    private void routes() {
        Handler auth = this::authorize;
        http.before("/api/v1/*", auth);
        if (!settings.metricsOpen()) {
            http.before("/metrics", auth);
        }

        http.get("/health", this::health);
        http.get("/api/openapi.json", ctx -> ctx.contentType("application/json").result(openApi));
        http.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                .result(metrics.scrape()));

        // Parameters are checked before the stores are asked: a bad request is a 400 even while starting up.
        http.get("/api/v1/panic-rate", ctx -> {
            QueryParameters p = new QueryParameters(ctx.queryParamMap(), RATE_PARAMETERS);
            boolean forwarded = p.flag(RoutedQueries.FORWARDED);
            if (p.has("vm") == p.has("host")) {
                throw new BadParameterException(p.has("vm") ? "host" : "vm", "give exactly one of 'vm' and 'host'");
            }
            boolean vm = p.has("vm");
            String id = p.id(vm ? "vm" : "host");
            TimeRange range = p.range(clock.instant(), pipeline.rateWindow(), maxAge(pipeline.retention(), forwarded));
            RoutedQueries q = queries();
            ctx.json(vm ? q.vmRate(id, range, forwarded) : q.hostRate(id, range, forwarded));
        });
        http.get("/api/v1/panic-rates", ctx -> {
            QueryParameters p = new QueryParameters(ctx.queryParamMap(), TOP_PARAMETERS);
            boolean localShare = p.flag(RoutedQueries.LOCAL);
            TimeRange range = p.range(clock.instant(), pipeline.rateWindow(), maxAge(pipeline.retention(), localShare));
            int top = p.top(10, MAX_TOP);
            RoutedQueries q = queries();
            ctx.json(localShare ? q.localTop(range, top) : q.top(range, top));
        });
        http.get("/api/v1/remediation", ctx -> {
            QueryParameters p = new QueryParameters(ctx.queryParamMap(), REMEDIATION_PARAMETERS);
            String vm = p.id("vm");
            boolean forwarded = p.flag(RoutedQueries.FORWARDED);
            ctx.json(queries().remediation(vm, forwarded));
        });
        // One VM's current state: the same parameters as /remediation, forwarded to the key's owner the same way.
        http.get("/api/v1/advice-outcome", ctx -> {
            QueryParameters p = new QueryParameters(ctx.queryParamMap(), REMEDIATION_PARAMETERS);
            String vm = p.id("vm");
            ctx.json(queries().adviceOutcome(vm, p.flag(RoutedQueries.FORWARDED)));
        });
        http.get("/api/v1/guest-state", ctx -> {
            QueryParameters p = new QueryParameters(ctx.queryParamMap(), REMEDIATION_PARAMETERS);
            String vm = p.id("vm");
            ctx.json(queries().guestState(vm, p.flag(RoutedQueries.FORWARDED)));
        });
        http.get("/api/v1/advice-outcomes", ctx -> {
            QueryParameters p = new QueryParameters(ctx.queryParamMap(), OUTCOMES_PARAMETERS);
            String host = p.has("host") ? p.id("host") : null;
            AdviceOutcomeStatus status = p.has("status") ? outcomeStatus(p.id("status")) : null;
            RoutedQueries q = queries();
            ctx.json(p.flag(RoutedQueries.LOCAL) ? q.localOutcomes(host, status) : q.outcomes(host, status));
        });
        http.get("/api/v1/at-risk", ctx -> {
            QueryParameters p = new QueryParameters(ctx.queryParamMap(), AT_RISK_PARAMETERS);
            String host = p.id("host");
            ctx.json(queries().atRisk(host, p.flag(RoutedQueries.FORWARDED)));
        });
        http.get("/api/v1/load", ctx -> {
            QueryParameters p = new QueryParameters(ctx.queryParamMap(), LOAD_PARAMETERS);
            boolean forwarded = p.flag(RoutedQueries.FORWARDED);
            String vm = p.id("vm");
            // Samples are points in time: any positive span is fine, the load retention is the limit; the answer says
            // whether it is raw samples or summaries (docs/design.md#load-history).
            TimeRange range = p.range(clock.instant(), Duration.ofMillis(1), maxAge(pipeline.loadRetention(), forwarded));
            ctx.json(queries().load(vm, range, forwarded));
        });

        http.exception(UnauthorizedException.class, (e, ctx) ->
                error(ctx, 401, new Answers.Error(e.getMessage(), null)));
        http.exception(BadParameterException.class, (e, ctx) ->
                error(ctx, 400, new Answers.Error(e.getMessage(), e.parameter())));
        http.exception(UnknownSubjectException.class, (e, ctx) ->
                error(ctx, 404, new Answers.Error(e.getMessage(), null)));
        http.exception(StoresUnavailableException.class, (e, ctx) -> unavailable(ctx, e.getMessage()));
        http.exception(InvalidStateStoreException.class, (e, ctx) ->
                unavailable(ctx, "a store moved or is restoring while it was read: " + e.getMessage()));
        http.exception(PeerAnswerException.class, (e, ctx) -> {
            if (e.status() == 503) {
                ctx.header("Retry-After", RETRY_AFTER_SECONDS);
            }
            ctx.status(e.status()).contentType("application/json").result(e.body());
        });
        http.exception(Exception.class, (e, ctx) -> {
            LOG.error("query {} failed", ctx.fullUrl(), e);
            error(ctx, 500, new Answers.Error("internal error: " + e, null));
        });
    }

    private static AdviceOutcomeStatus outcomeStatus(String given) {
        for (AdviceOutcomeStatus s : AdviceOutcomeStatus.values()) {
            if (s.name().equalsIgnoreCase(given)) {
                return s;
            }
        }
        throw new BadParameterException("status", "unknown status '" + given + "'; one of "
                + java.util.Arrays.toString(AdviceOutcomeStatus.values()));
    }

    private void health(Context ctx) {
        StreamsInstances attached = instances;
        String state = attached == null ? "STARTING" : attached.state().name();
        boolean up = "RUNNING".equals(state);
        if (!up) {
            ctx.header("Retry-After", RETRY_AFTER_SECONDS);
        }
        ctx.status(up ? 200 : 503).json(new Answers.Health(up ? "UP" : "DOWN", state, advertisedAddress(),
                stopReason.get().orElse(null), lastThreadFailure.get().orElse(null)));
    }

    private void authorize(Context ctx) {
        Optional<String> token = settings.token();
        if (token.isEmpty()) {
            return;
        }
        String header = ctx.header("Authorization");
        String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
        // Constant-time comparison: the time taken must not tell how much of a guessed token was right.
        if (!MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), token.get().getBytes(StandardCharsets.UTF_8))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"panicwatch\"");
            throw new UnauthorizedException(header == null ? "missing Authorization: Bearer token"
                    : "wrong or malformed bearer token");
        }
    }

    private RoutedQueries queries() {
        RoutedQueries q = queries;
        if (q == null) {
            throw new StoresUnavailableException("the streams app is starting");
        }
        return q;
    }

    /** A forwarded request's range was checked by the sender a moment earlier; allow for the clocks' difference. */
    private static Duration maxAge(Duration retention, boolean fromPeer) {
        return fromPeer ? retention.plusMinutes(1) : retention;
    }

    private void unavailable(Context ctx, String message) {
        ctx.header("Retry-After", RETRY_AFTER_SECONDS);
        error(ctx, 503, new Answers.Error(message, null));
    }

    private static void error(Context ctx, int status, Answers.Error body) {
        ctx.status(status).json(body);
    }

    private static String resource(String name) {
        try (InputStream in = QueryServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("resource " + name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (https != null) {
            https.close();
        }
        http.stop();
    }

    /** 401: missing or wrong bearer token. */
    static final class UnauthorizedException extends RuntimeException {
        UnauthorizedException(String message) {
            super(message);
        }
    }
}
