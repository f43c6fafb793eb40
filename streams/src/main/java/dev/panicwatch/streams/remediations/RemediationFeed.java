package dev.panicwatch.streams.remediations;

import java.time.Duration;
import java.util.List;

import org.apache.kafka.common.serialization.Deserializer;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.topology.PanicwatchSerdes;

/**
 * The remediations topic from its beginning, as the pipeline committed it (a {@link CommittedFeed}: read_committed,
 * no consumer group). {@code ./panicwatch remediations} and the demo read advice this way. Not thread-safe, except
 * {@link #wakeup()}.
 */
public final class RemediationFeed implements AutoCloseable {

    private final CommittedFeed<RemediationEvent> feed;

    private RemediationFeed(CommittedFeed<RemediationEvent> feed) {
        this.feed = feed;
    }

    /** The topic does not exist (yet): the streams app creates it at start. */
    public static final class MissingTopicException extends CommittedFeed.MissingTopicException {
        private static final long serialVersionUID = 1L;

        MissingTopicException(String bootstrapServers) {
            super(Topics.REMEDIATIONS, bootstrapServers);
        }
    }

    /**
     * How the events are read off the topic (Avro through the registry {@code connection} names), for a reader that
     * needs its own consumer, such as the notifier with its consumer group.
     */
    public static Deserializer<RemediationEvent> eventDeserializer(KafkaConnection connection) {
        return PanicwatchSerdes.fromConfig(connection.clientConfig()).remediations().deserializer();
    }

    /** The topic as a {@link CommittedFeed}, for a reader that wants the generic one. */
    public static CommittedFeed<RemediationEvent> committed(KafkaConnection connection, Duration timeout) {
        try {
            return CommittedFeed.open(connection, Topics.REMEDIATIONS, eventDeserializer(connection), timeout);
        } catch (CommittedFeed.MissingTopicException e) {
            throw new MissingTopicException(connection.bootstrapServers());
        }
    }

    /**
     * @param timeout how long to wait for the topic's metadata and offsets
     * @throws MissingTopicException when the topic is not there
     * @throws org.apache.kafka.common.KafkaException when Kafka cannot be reached within {@code timeout}
     */
    public static RemediationFeed open(KafkaConnection connection, Duration timeout) {
        return new RemediationFeed(committed(connection, timeout));
    }

    /**
     * The next events, tombstones of the compacted topic left out.
     *
     * @throws org.apache.kafka.common.errors.WakeupException after {@link #wakeup()}
     */
    public List<RemediationEvent> poll(Duration timeout) {
        return feed.poll(timeout);
    }

    /** Whether everything that was on the topic when the feed opened has been read. */
    public boolean readWhatWasThere() {
        return feed.readWhatWasThere();
    }

    /** Makes a {@link #poll} in progress (or the next one) throw WakeupException; safe from any thread. */
    public void wakeup() {
        feed.wakeup();
    }

    @Override
    public void close() {
        feed.close();
    }
}
