package dev.panicwatch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.panicwatch.streams.app.PanicwatchApp;
import dev.panicwatch.streams.config.InvalidSettingException;
import dev.panicwatch.streams.config.PanicwatchConfiguration;
import dev.panicwatch.streams.config.PipelineSetting;
import dev.panicwatch.streams.query.QueryApiSettings;
import dev.panicwatch.streams.query.ServedApp;

@Command(name = "streams", mixinStandardHelpOptions = true,
        description = {"Run the Panicwatch Kafka Streams app: classify panics, join them with host load per VM, "
                + "publish remediations. Runs until Ctrl-C (exit 0); exits 1 when the app had to stop by itself "
                + "(a stream thread kept failing after 3 replacements; the reason is printed and was on /health), "
                + "so a supervisor can start it again.",
                "Settings: --config FILE (properties: panicwatch.* for the pipeline, anything else for Kafka and the "
                        + "registry), then the environment: PANICWATCH_* (e.g. PANICWATCH_LOOK_BACK=PT10M), KAFKA_* "
                        + "(e.g. KAFKA_BOOTSTRAP_SERVERS), SCHEMA_REGISTRY_URL."})
final class StreamsCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with settings (environment wins).")
    Path configFile;

    @Option(names = "--api-port", paramLabel = "PORT",
            description = "Port of the query API, dashboard and /metrics (default: PANICWATCH_API_PORT or 8080).")
    Integer apiPort;

    @Option(names = "--api-host", paramLabel = "HOST", description = "Name other instances reach this one by, "
            + "published as application.server (default: PANICWATCH_API_HOST or localhost).")
    String apiHost;

    @Option(names = "--api-token", paramLabel = "TOKEN",
            description = "Bearer token the API requires (default: PANICWATCH_API_TOKEN; none = open).")
    String apiToken;

    @Option(names = "--list-settings", description = "Print every PANICWATCH_* setting with its default and meaning, then exit.")
    boolean listSettings;

    @Override
    public Integer call() throws Exception {
        if (listSettings) {
            for (PipelineSetting s : PipelineSetting.values()) {
                System.out.printf("%-36s %-8s %s (file: %s)%n", s.environmentName(), s.defaultValue(), s.description(),
                        s.property());
            }
            return 0;
        }
        PanicwatchConfiguration configuration;
        QueryApiSettings api;
        try {
            configuration = PanicwatchConfiguration.load(configFile, System.getenv());
            api = QueryApiSettings.fromEnvironment(System.getenv());
            api = apiPort == null ? api : api.withPort(apiPort);
            api = apiHost == null ? api : api.withAdvertisedHost(apiHost);
            api = apiToken == null ? api : api.withToken(apiToken);
        } catch (InvalidSettingException e) {
            System.err.println("panicwatch streams: " + e.getMessage());
            return 2;
        }
        ServedApp served;
        try {
            served = ServedApp.start(configuration, api);
        } catch (IllegalStateException | org.apache.kafka.common.config.ConfigException e) {
            System.err.println("panicwatch streams: cannot start: " + e.getMessage());
            return 1;
        }
        PanicwatchApp app = served.app();
        System.err.println("panicwatch streams: query API and dashboard at " + served.url() + "/");
        Thread hook = new Thread(served::close, "panicwatch-streams-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        app.awaitStop();
        // Reaching here without Ctrl-C means the app stopped on its own: exit non-zero so systemd or compose
        // starts a fresh process (a fresh JVM also drops whatever the failed one still held, e.g. RocksDB locks).
        if (app.streams().state() == org.apache.kafka.streams.KafkaStreams.State.ERROR
                || app.stopReason().isPresent()) {
            System.err.println("panicwatch streams: stopped: " + app.stopReason().orElse("the streams app failed; see the log"));
            return 1;
        }
        return 0;
    }
}
