package dev.panicwatch.cli;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.WakeupException;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.remediations.RemediationFeed;
import dev.panicwatch.streams.remediations.RemediationText;

/**
 * {@code ./panicwatch remediations}: the remediation topic from its start, as committed (read_committed), in readable
 * form: which VM, what to change, why. Without {@code --follow} it stops at the end of the topic.
 */
@Command(name = "remediations", mixinStandardHelpOptions = true,
        description = {"Print the advice on the remediations topic: what to change on which VM, and why.",
                "Kafka and the registry must be named (flags or KAFKA_BOOTSTRAP_SERVERS / SCHEMA_REGISTRY_URL); "
                        + "with docker compose they are localhost:9094 and http://localhost:8081."})
final class RemediationsCommand implements Callable<Integer> {

    private static final Duration KAFKA_TIMEOUT = Duration.ofSeconds(15);

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--follow", description = "Keep waiting for new advice (Ctrl-C to stop).")
    boolean follow;

    @Option(names = "--json", description = "One JSON object per line (the event's Avro fields).")
    boolean json;

    @Mixin
    KafkaConnectionOptions kafka;

    @Override
    public Integer call() {
        KafkaConnection connection;
        try {
            connection = kafka.connection();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        try (RemediationFeed feed = RemediationFeed.open(connection, KAFKA_TIMEOUT)) {
            AtomicBoolean stopping = new AtomicBoolean();
            GracefulStop stop = new GracefulStop(() -> {
                stopping.set(true);
                feed.wakeup();
            });
            try {
                while (!stopping.get()) {
                    feed.poll(Duration.ofMillis(500)).forEach(event -> System.out.println(RemediationText.printed(event, json)));
                    if (!follow && feed.readWhatWasThere()) {
                        break;
                    }
                }
            } catch (WakeupException e) {
                // Ctrl-C while following.
            } finally {
                stop.finished();
            }
            return 0;
        } catch (RemediationFeed.MissingTopicException e) {
            System.err.println("panicwatch remediations: " + e.getMessage());
            return 1;
        } catch (KafkaException e) {
            System.err.println("panicwatch remediations: cannot read " + Topics.REMEDIATIONS + " from "
                    + connection.bootstrapServers() + ": " + e.getMessage());
            return 1;
        }
    }
}
