package dev.panicwatch.streams.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.diagnosis.classify.PanicClassifier;
import dev.panicwatch.streams.config.PanicwatchConfiguration;
import dev.panicwatch.streams.config.PipelineSettings;
import dev.panicwatch.streams.config.StreamsConfigFactory;
import dev.panicwatch.streams.metrics.PipelineObserver;
import dev.panicwatch.streams.topology.PanicwatchSerdes;
import dev.panicwatch.streams.topology.PanicwatchTopology;

/**
 * The running streams app: topics ensured, co-partitioning checked, topology started. Used by
 * {@code ./panicwatch streams} and in-process by the demo and the tests; {@link #close()} stops it cleanly.
 */
public final class PanicwatchApp implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PanicwatchApp.class);

    private final KafkaStreams streams;
    private final StreamThreadFailures failures;
    private final LocalStateGuard localState;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private PanicwatchApp(KafkaStreams streams, StreamThreadFailures failures, LocalStateGuard localState) {
        this.streams = streams;
        this.failures = failures;
        this.localState = localState;
    }

    /** Starts the app with a loaded configuration, without metrics. */
    public static PanicwatchApp start(PanicwatchConfiguration configuration) {
        return start(configuration.pipeline(), configuration.kafka(), PipelineObserver.NO_OP);
    }

    /** Starts the app without metrics. */
    public static PanicwatchApp start(PipelineSettings settings, Map<String, ?> kafka) {
        return start(settings, kafka, PipelineObserver.NO_OP);
    }

    /**
     * Ensures the topics, checks co-partitioning and starts Kafka Streams; returns at once (the app runs on its own
     * threads; see {@link #awaitRunning}).
     *
     * @param settings pipeline settings
     * @param kafka    Kafka Streams / client settings and {@code schema.registry.url}; {@code bootstrap.servers}
     *                 is required, everything else has a default ({@link StreamsConfigFactory})
     * @param observer told what the pipeline does (metrics); the topology and the dead-letter handlers share it
     */
    public static PanicwatchApp start(PipelineSettings settings, Map<String, ?> kafka, PipelineObserver observer) {
        Properties props = StreamsConfigFactory.from(kafka);
        // Kafka Streams creates the dead-letter handlers itself from class names and hands them nothing but the
        // configuration, so this is the one place the observer goes into it (PipelineObserver.CONFIG).
        props.put(PipelineObserver.CONFIG, observer);
        LOG.info("pipeline settings: {}", settings.describe());
        LOG.info("application.id={} bootstrap.servers={} processing.guarantee={}",
                props.get(StreamsConfig.APPLICATION_ID_CONFIG), props.get(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG),
                props.get(StreamsConfig.PROCESSING_GUARANTEE_CONFIG));
        StreamsConfig streamsConfig = new StreamsConfig(props);
        try (Admin admin = Admin.create(streamsConfig.getAdminConfigs("panicwatch-topic-provisioner"))) {
            TopicProvisioner topics = new TopicProvisioner(admin, settings);
            int partitions = topics.ensureTopics();
            LOG.info("topics ready: {} (inputs co-partitioned, {} partitions each)", TopicProvisioner.managedTopics(),
                    partitions);
            topics.sizeChangelogs(streamsConfig.getString(StreamsConfig.APPLICATION_ID_CONFIG));
        }
        PanicwatchSerdes serdes = PanicwatchSerdes.fromConfig(streamsConfig.originals());
        ConsumerLagBacklog backlog = new ConsumerLagBacklog();
        Topology topology = PanicwatchTopology.build(settings, serdes, new PanicClassifier(),
                observer, backlog);
        LOG.debug("topology:\n{}", topology.describe());
        // Before Kafka Streams opens any store: after an unclean stop the local state is rebuilt, not trusted.
        LocalStateGuard localState = LocalStateGuard.acquire(Path.of(streamsConfig.getString(
                StreamsConfig.STATE_DIR_CONFIG)), streamsConfig.getString(StreamsConfig.APPLICATION_ID_CONFIG));
        KafkaStreams streams;
        try {
            streams = new KafkaStreams(topology, props);
        } catch (RuntimeException e) {
            localState.close();
            throw e;
        }
        backlog.attach(streams);
        PanicwatchApp app = new PanicwatchApp(streams, StreamThreadFailures.standard(), localState);
        streams.setStateListener((now, before) -> {
            LOG.info("streams state {} -> {}", before, now);
            if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                app.stopped.countDown();
            }
        });
        // Bad records are dead-lettered by the handlers; what reaches here is the environment (a store that failed to
        // open, a lost broker): replaced a few times, then the client stops and the process exits non-zero.
        streams.setUncaughtExceptionHandler(app.failures);
        streams.setGlobalStateRestoreListener(new RestoreProgressLog());
        streams.start();
        return app;
    }

    /** The Kafka Streams instance (interactive queries, metrics, state). */
    public KafkaStreams streams() {
        return streams;
    }

    /**
     * Why the app stopped by itself (the stream-thread failure that could not be cured), for {@code /health} and the
     * exit message; empty while it runs or after a clean {@link #close()}.
     */
    public Optional<String> stopReason() {
        return failures.stopReason();
    }

    /** The last stream-thread failure, whether a replacement thread cured it or not; for {@code /health}. */
    public Optional<String> lastThreadFailure() {
        return failures.lastFailure();
    }

    /** Waits until the app is RUNNING; false when it did not get there within {@code timeout}. */
    public boolean awaitRunning(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (streams.state() != KafkaStreams.State.RUNNING) {
            if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING
                    || System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100); // KafkaStreams offers no blocking wait for a state
        }
        return true;
    }

    /** Blocks until the app stops by itself (fatal error) or is closed. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /** Blocks up to {@code timeout} for the app to stop; true when it did. */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close() {
        LOG.info("stopping the streams app");
        // A client that stopped on a fatal error closed its tasks dirty: its state is not trusted next time either.
        boolean failed = streams.state() == KafkaStreams.State.ERROR || failures.stopReason().isPresent();
        boolean closed = streams.close(Duration.ofSeconds(30));
        if (closed && !failed) {
            localState.stoppedCleanly();
        } else {
            LOG.warn("the streams app did not stop cleanly ({}); the next start rebuilds its local state",
                    failed ? "it had failed" : "close timed out");
            localState.close();
        }
        stopped.countDown();
    }
}
