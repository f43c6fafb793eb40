package dev.panicwatch.notify;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.config.InvalidSettingException;
import dev.panicwatch.streams.remediations.RemediationFeed;

/**
 * {@code ./panicwatch notify}: reads {@code remediations} in a consumer group and hands each event to every target
 * whose filter takes it. The topology already keeps to one event per VM per cooldown, so every event is sent.
 *
 * <p>At least once to each target: an offset is committed only when every target took the event or gave up on it for
 * good ({@link OffsetLedger}); each target has its own worker, so a failing one does not hold up the others (only the
 * commit waits for it, and reading pauses once {@code maxInFlight} events wait). The input is one topic today; a
 * second one (the closed-loop issue's {@code advice-outcomes}) is one more subscription and one more message kind.
 */
public final class Notifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);
    private static final Duration DRAIN = Duration.ofSeconds(10);

    private final NotifierConfig config;
    private final KafkaConsumer<String, RemediationEvent> consumer;
    private final List<TargetWorker> workers = new ArrayList<>();
    private final OffsetLedger ledger = new OffsetLedger();
    private final NotifierMetrics metrics = new NotifierMetrics();
    private final KafkaClientMetrics consumerMetrics;
    private final MetricsServer metricsServer;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean reading = new AtomicBoolean();
    private final AtomicBoolean failed = new AtomicBoolean();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final Thread loop;

    private Notifier(NotifierConfig config, KafkaConnection connection) {
        this.config = config;
        // First, so that a port in use stops start-up before any client or thread exists.
        try {
            metricsServer = new MetricsServer(config.metricsBind(), config.metricsPort(), metrics::scrape,
                    reading::get);
        } catch (IOException e) {
            throw new InvalidSettingException("metrics: cannot listen on " + config.metricsBind() + ":"
                    + config.metricsPort() + " (" + e.getMessage() + "); set another metrics.port in the file");
        }
        Map<String, Object> consumerConfig = new HashMap<>(connection.kafkaClientConfig());
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, config.startFrom().name().toLowerCase(Locale.ROOT));
        consumerConfig.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "panicwatch-notify");
        consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(),
                RemediationFeed.eventDeserializer(connection));
        consumerMetrics = new KafkaClientMetrics(consumer);
        consumerMetrics.bindTo(metrics.registry());
        for (TargetSettings target : config.targets()) {
            Target sender = target.kind().overHttp() ? new HttpTarget(target) : new MailTarget(target);
            workers.add(new TargetWorker(target, sender, metrics));
        }
        metrics.inFlight(ledger::inFlight);
        loop = new Thread(this::run, "notify-consumer");
    }

    /**
     * Starts reading at once on a thread of its own.
     *
     * @param connection Kafka and the schema registry (from the flags and {@code KAFKA_*} variables)
     * @throws InvalidSettingException when the metrics port cannot be listened on
     */
    public static Notifier start(NotifierConfig config, KafkaConnection connection) {
        Notifier notifier = new Notifier(config, connection);
        notifier.loop.start();
        LOG.info("notifier reading {} as group {} (new groups start at the {} offset); targets: {}; metrics on "
                        + "port {}", Topics.REMEDIATIONS, config.groupId(),
                config.startFrom().name().toLowerCase(Locale.ROOT), config.targets().stream()
                        .map(t -> t.name() + " (" + t.kind().name().toLowerCase(Locale.ROOT) + ")").toList(),
                notifier.metricsPort());
        return notifier;
    }

    public int metricsPort() {
        return metricsServer.port();
    }

    /** Blocks until the notifier stops (closed, or Kafka failed for good). */
    public boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the notifier stopped on its own because Kafka failed, not because it was closed. */
    public boolean stoppedByFailure() {
        return failed.get();
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.REMEDIATIONS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    commit();
                    ledger.forget(partitions);
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    LOG.info("notifier reads partitions {}", partitions);
                }
            });
            reading.set(true);
            boolean paused = false;
            while (!stopping.get()) {
                boolean full = ledger.inFlight() >= config.maxInFlight();
                if (full != paused) {
                    Set<TopicPartition> assigned = consumer.assignment();
                    if (full) {
                        consumer.pause(assigned);
                        LOG.warn("{} events wait for slow targets; reading paused until they catch up",
                                ledger.inFlight());
                    } else {
                        consumer.resume(assigned);
                        LOG.info("reading resumed");
                    }
                    paused = full;
                }
                try {
                    for (ConsumerRecord<String, RemediationEvent> record : consumer.poll(Duration.ofMillis(500))) {
                        dispatch(record);
                    }
                } catch (RecordDeserializationException e) {
                    TopicPartition partition = e.topicPartition();
                    LOG.error("skipping unreadable record {}-{} at offset {}: {}", partition.topic(),
                            partition.partition(), e.offset(), e.getMessage());
                    metrics.unreadableRecord();
                    ledger.read(partition, e.offset(), 0);
                    consumer.seek(partition, e.offset() + 1);
                }
                commit();
            }
            drain();
        } catch (WakeupException e) {
            drain();
        } catch (KafkaException e) {
            failed.set(true);
            LOG.error("notifier stops: Kafka failed: {}", e.getMessage(), e);
        } finally {
            reading.set(false);
            consumer.close(Duration.ofSeconds(5));
            stopped.countDown();
        }
    }

    private void dispatch(ConsumerRecord<String, RemediationEvent> record) {
        TopicPartition partition = new TopicPartition(record.topic(), record.partition());
        RemediationEvent event = record.value();
        if (event == null) {
            ledger.read(partition, record.offset(), 0); // a tombstone: a VM's advice removed, nothing to tell
            return;
        }
        metrics.eventRead(event);
        AdviceMessage message = AdviceMessage.of(event, config.dashboardUrl());
        List<TargetWorker> takers = new ArrayList<>();
        for (TargetWorker worker : workers) {
            if (worker.settings().filter().accepts(event)) {
                takers.add(worker);
            } else {
                metrics.filtered(worker.settings().name());
            }
        }
        LOG.debug("advice {} for VM {} goes to {} target(s)", event.getRemediationId(), event.getVmId(), takers.size());
        ledger.read(partition, record.offset(), takers.size());
        for (TargetWorker worker : takers) {
            worker.submit(new TargetWorker.Job(message, () -> ledger.settled(partition, record.offset())));
        }
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> offsets = ledger.toCommit();
        if (offsets.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(offsets);
            ledger.committed(offsets);
        } catch (CommitFailedException e) {
            LOG.warn("could not commit offsets {} (a rebalance took the partitions); their events may be sent again",
                    offsets);
        }
    }

    /** On stop: give the targets a moment to settle what they hold, so less is sent twice after a restart. */
    private void drain() {
        long deadline = System.nanoTime() + DRAIN.toNanos();
        while (ledger.inFlight() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (ledger.inFlight() > 0) {
            LOG.warn("stopping with {} event(s) not taken by every target; they are sent again on the next start",
                    ledger.inFlight());
        }
        try {
            commit();
        } catch (KafkaException e) {
            LOG.warn("could not commit on stop: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        if (stopping.getAndSet(true)) {
            return;
        }
        LOG.info("stopping the notifier");
        try {
            if (!stopped.await(DRAIN.plusSeconds(20).toMillis(), TimeUnit.MILLISECONDS)) {
                consumer.wakeup();
                stopped.await(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        workers.forEach(TargetWorker::close);
        consumerMetrics.close();
        metricsServer.close();
        metrics.close();
    }
}
