package dev.panicwatch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.panicwatch.streams.app.PanicwatchApp;
import dev.panicwatch.streams.config.InvalidSettingException;
import dev.panicwatch.streams.config.PanicwatchConfiguration;

@Command(name = "streams", mixinStandardHelpOptions = true,
        description = {"Run the Panicwatch Kafka Streams app: classify panics, join them with host load per VM, "
                + "publish remediations. Runs until Ctrl-C.",
                "Settings: --config FILE (properties: panicwatch.* for the pipeline, anything else for Kafka and the "
                        + "registry), then the environment: PANICWATCH_* (e.g. PANICWATCH_LOOK_BACK=PT10M), KAFKA_* "
                        + "(e.g. KAFKA_BOOTSTRAP_SERVERS), SCHEMA_REGISTRY_URL."})
final class StreamsCommand implements Callable<Integer> {

    @Option(names = "--config", paramLabel = "FILE", description = "Properties file with settings (environment wins).")
    Path configFile;

    @Override
    public Integer call() throws Exception {
        PanicwatchConfiguration configuration;
        try {
            configuration = PanicwatchConfiguration.load(configFile, System.getenv());
        } catch (InvalidSettingException e) {
            System.err.println("panicwatch streams: " + e.getMessage());
            return 2;
        }
        PanicwatchApp app;
        try {
            app = PanicwatchApp.start(configuration);
        } catch (IllegalStateException | org.apache.kafka.common.config.ConfigException e) {
            System.err.println("panicwatch streams: cannot start: " + e.getMessage());
            return 1;
        }
        Thread hook = new Thread(app::close, "panicwatch-streams-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        app.awaitStop();
        // Reaching here without Ctrl-C means the app stopped on its own: a fatal error, already logged.
        return app.streams().state() == org.apache.kafka.streams.KafkaStreams.State.ERROR ? 1 : 0;
    }
}
