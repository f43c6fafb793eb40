package dev.panicwatch.streams.app;

import java.util.HashMap;
import java.util.Map;

import org.apache.kafka.streams.StreamsConfig;

import dev.panicwatch.streams.config.PanicwatchConfiguration;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.metrics.PanicwatchMetrics;
import dev.panicwatch.streams.metrics.PipelineObserver;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.query.QueryServer;

/**
 * The streams app together with its query API, dashboard and metrics, started in the one order that works: the HTTP
 * server first (its address goes into {@code application.server}, and its metrics into the topology), then Kafka
 * Streams, then the server is attached to it. {@code ./panicwatch streams}, the demo and the tests start it this way;
 * it lives with {@link PanicwatchApp} because this is where the app is assembled.
 */
public final class ServedApp implements AutoCloseable {

    private final PanicwatchApp app;
    private final QueryServer server;
    private final PanicwatchMetrics metrics;

    private ServedApp(PanicwatchApp app, QueryServer server, PanicwatchMetrics metrics) {
        this.app = app;
        this.server = server;
        this.metrics = metrics;
    }

    public static ServedApp start(PanicwatchConfiguration configuration, QueryApiSettings api) {
        return start(configuration.pipeline(), configuration.kafka(), api);
    }

    /**
     * @param kafka as for {@link PanicwatchApp#start(PipelineSettings, Map, PipelineObserver)}; {@code application.server}
     *              is set here
     */
    public static ServedApp start(PipelineSettings pipeline, Map<String, ?> kafka, QueryApiSettings api) {
        PanicwatchMetrics metrics = new PanicwatchMetrics();
        QueryServer server = QueryServer.start(api, pipeline, metrics);
        try {
            Map<String, Object> withServer = new HashMap<>(kafka);
            withServer.put(StreamsConfig.APPLICATION_SERVER_CONFIG, server.advertisedAddress());
            PanicwatchApp app = PanicwatchApp.start(pipeline, withServer, metrics);
            server.attach(app.streams(), app::stopReason, app::lastThreadFailure);
            return new ServedApp(app, server, metrics);
        } catch (RuntimeException e) {
            server.close();
            metrics.close();
            throw e;
        }
    }

    public PanicwatchApp app() {
        return app;
    }

    public QueryServer server() {
        return server;
    }

    /** Base URL of the API and dashboard, e.g. {@code http://localhost:8080}. */
    public String url() {
        return server.url();
    }

    @Override
    public void close() {
        server.close();
        app.close();
        metrics.close();
    }
}
