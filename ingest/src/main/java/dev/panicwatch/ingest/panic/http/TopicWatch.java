package dev.panicwatch.ingest.panic.http;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.ingest.publish.TopicCheck;

/**
 * Whether the topic the receiver writes to exists, checked at start and then every {@code interval}: without it
 * the producer waits for metadata until the acknowledgement timeout (20 s per report) and the sender learns nothing.
 * While it is missing, {@link #missingReason()} says so and the intake answers 503 at once with that reason. One log
 * line when it goes missing, one when it is back. A Kafka that does not answer is not "missing": the publish path's
 * own 503 covers that.
 */
public final class TopicWatch implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicWatch.class);

    private final KafkaConnection connection;
    private final String topic;
    private final ScheduledExecutorService timer;
    private volatile String missing;

    private TopicWatch(KafkaConnection connection, String topic) {
        this.connection = connection;
        this.topic = topic;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "panicwatch-topic-watch");
            t.setDaemon(true);
            return t;
        });
    }

    /** Checks once now (so the first report already gets the right answer), then every {@code interval}. */
    public static TopicWatch start(KafkaConnection connection, String topic, Duration interval) {
        TopicWatch watch = new TopicWatch(connection, topic);
        watch.check();
        watch.timer.scheduleWithFixedDelay(watch::check, interval.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
        return watch;
    }

    /** Why reports cannot be taken now, or empty when the topic exists (or Kafka did not say). */
    public Optional<String> missingReason() {
        return Optional.ofNullable(missing);
    }

    void check() {
        List<String> absent;
        try {
            absent = TopicCheck.missing(connection, List.of(topic), Duration.ofSeconds(5));
        } catch (TimeoutException e) {
            return; // Kafka unreachable: keep the last answer; publishing says the rest
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        } catch (Exception e) {
            LOG.warn("could not list Kafka topics to check '{}': {}", topic, e.toString());
            return;
        }
        String now = absent.isEmpty() ? null : TopicCheck.advice(absent);
        if (now != null && missing == null) {
            LOG.error("{}; until then every report is answered 503 at once", now);
        } else if (now == null && missing != null) {
            LOG.info("topic '{}' exists now; taking reports again", topic);
        }
        missing = now;
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
