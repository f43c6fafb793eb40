package dev.panicwatch.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.notify.Notifier;
import dev.panicwatch.notify.NotifierConfig;

@Command(name = "notify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Send each new advice on 'remediations' to webhooks, Slack/Mattermost, ntfy, Gotify and mail.",
                "",
                "Targets, filters (by host, action, preventive or not), message templates and retries live in a YAML "
                        + "file (format and examples: docs/notify.md). Every event reaches every target at least "
                        + "once: offsets are committed only after each target took it or gave up on it for good, "
                        + "with backoff and Retry-After between tries. A failing target is logged and shown in "
                        + "/metrics (panicwatch_notify_target_failing) and does not hold up the others.",
                "",
                "Kafka and the registry come from KAFKA_* and SCHEMA_REGISTRY_* variables, as for every command. "
                        + "Runs until Ctrl-C; serves /metrics and /health on the port in the file (default 9465).",
                ""},
        footer = {"", "Examples:",
                "  panicwatch notify --config /etc/panicwatch/notify.yml --check",
                "  KAFKA_BOOTSTRAP_SERVERS=kafka:9092 SCHEMA_REGISTRY_URL=http://registry:8081 \\",
                "    panicwatch notify --config /etc/panicwatch/notify.yml",
                "", "Exit status: 0 stopped by Ctrl-C (or --check passed), 1 Kafka failed, 2 bad configuration."})
final class NotifyCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaConnectionOptions kafka;

    @Option(names = "--config", paramLabel = "FILE", required = true,
            description = "The notifier's YAML file (targets, filters, templates, retries).")
    Path config;

    @Option(names = "--check", description = "Read the file, print the targets and exit (nothing is sent).")
    boolean check;

    @Override
    public Integer call() throws Exception {
        NotifierConfig settings = NotifierConfig.load(config, System.getenv());
        if (check) {
            spec.commandLine().getOut().println(config + ": " + settings.targets().size() + " target(s), group "
                    + settings.groupId());
            settings.describeTargets().forEach(line -> spec.commandLine().getOut().println("  " + line));
            return 0;
        }
        KafkaConnection connection;
        try {
            connection = kafka.connection();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        GracefulStop[] stop = new GracefulStop[1];
        try (Notifier notifier = Notifier.start(settings, connection)) {
            stop[0] = new GracefulStop(notifier::close);
            System.err.println("Notifying " + settings.targets().size() + " target(s); metrics on http://"
                    + settings.metricsBind() + ":" + notifier.metricsPort() + "/metrics; press Ctrl-C to stop.");
            while (!notifier.awaitStop(java.time.Duration.ofMinutes(1))) {
                // runs until closed by Ctrl-C or stopped by a Kafka failure
            }
            return stop[0] != null && notifier.stoppedByFailure() ? 1 : 0;
        } finally {
            if (stop[0] != null) {
                stop[0].finished();
            }
        }
    }
}
