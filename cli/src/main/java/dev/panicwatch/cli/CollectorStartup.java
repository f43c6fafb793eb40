package dev.panicwatch.cli;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeoutException;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.publish.TopicCheck;

/** Start-up checks of the long-running collectors: they warn and keep going, since Kafka may come up later. */
final class CollectorStartup {

    private CollectorStartup() {
    }

    static void warnAboutTopics(KafkaConnection connection, List<String> topics) {
        try {
            List<String> missing = TopicCheck.missing(connection, topics, Duration.ofSeconds(5));
            if (!missing.isEmpty()) {
                System.err.println("Warning: " + TopicCheck.advice(missing) + ". Reports wait until then.");
            }
        } catch (TimeoutException e) {
            System.err.println("Warning: Kafka at " + connection.bootstrapServers() + " does not answer yet; reports "
                    + "are kept (files stay on disk, HTTP senders get 503) until it does.");
        } catch (Exception e) {
            System.err.println("Warning: could not list Kafka topics: " + e.getMessage());
        }
    }
}
