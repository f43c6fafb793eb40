package dev.panicwatch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.panicwatch.streams.app.PanicwatchApp;
import dev.panicwatch.streams.config.InvalidSettingException;
import dev.panicwatch.streams.config.PanicwatchConfiguration;
import dev.panicwatch.streams.config.PipelineSetting;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.streams.app.ServedApp;
import dev.panicwatch.tls.ClientTrust;
import dev.panicwatch.tls.ServerIdentity;
import dev.panicwatch.tls.TlsFiles;

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

    @Option(names = "--require-api-token", description = "Refuse to start without an API token (docker-compose.yml "
            + "sets this, so a deployment cannot come up with an open API by a forgotten variable).")
    boolean requireApiToken;

    @Option(names = "--api-tls-cert", paramLabel = "FILE", description = "PEM certificate chain: the API, dashboard "
            + "and /metrics speak HTTPS only, and ask other instances over HTTPS (default: PANICWATCH_API_TLS_CERT).")
    String apiTlsCert;

    @Option(names = "--api-tls-key", paramLabel = "FILE",
            description = "Its PEM private key (default: PANICWATCH_API_TLS_KEY).")
    String apiTlsKey;

    @Option(names = "--ca-file", paramLabel = "FILE", description = "PEM file of the CAs trusted when forwarding a "
            + "query to another instance over HTTPS (default: PANICWATCH_CA_FILE, else the JVM's CAs).")
    String caFile;

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
            configuration = PanicwatchConfiguration.load(configFile, System.getenv(),
                    PanicwatchVariables.NOT_PIPELINE_SETTINGS);
            api = QueryApiSettings.fromEnvironment(System.getenv());
            api = apiPort == null ? api : api.withPort(apiPort);
            api = apiHost == null ? api : api.withAdvertisedHost(apiHost);
            api = apiToken == null ? api : api.withToken(apiToken);
            if (apiTlsCert != null || apiTlsKey != null) {
                api = api.withTls(TlsFiles.of("--api-tls-cert", apiTlsCert != null ? apiTlsCert
                        : System.getenv(QueryApiSettings.TLS_CERT_ENV), "--api-tls-key", apiTlsKey != null ? apiTlsKey
                        : System.getenv(QueryApiSettings.TLS_KEY_ENV)));
            }
            api = caFile == null ? api : api.withPeerTrust(ClientTrust.fromCaFile("--ca-file", caFile));
            api.tls().ifPresent(ServerIdentity::read);
            if (requireApiToken && api.token().isEmpty()) {
                throw new InvalidSettingException("no API token: set " + QueryApiSettings.TOKEN_ENV
                        + " or pass --api-token (--require-api-token is set, so the API does not run open)");
            }
        } catch (IllegalArgumentException | ServerIdentity.InvalidIdentityException e) {
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
