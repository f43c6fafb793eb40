package dev.panicwatch.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.topology.PanicwatchSerdes;

/**
 * Prints the remediations topic as it grows, from its beginning, on its own thread: what the demo shows. Reads
 * {@code read_committed}, so only advice the exactly-once pipeline committed is printed, each event once.
 */
final class RemediationPrinter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RemediationPrinter.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KafkaConsumer<String, RemediationEvent> consumer;
    private final boolean json;
    private final PrintStream out;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition printedMore = lock.newCondition();
    private int printed;

    private RemediationPrinter(KafkaConsumer<String, RemediationEvent> consumer, boolean json, PrintStream out) {
        this.consumer = consumer;
        this.json = json;
        this.out = out;
        this.thread = new Thread(this::run, "remediation-printer");
        this.thread.setDaemon(true);
    }

    /** Starts printing; the remediations topic must exist (the streams app creates it at start). */
    static RemediationPrinter start(String bootstrapServers, String schemaRegistryUrl, boolean json, PrintStream out) {
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put("schema.registry.url", schemaRegistryUrl);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        KafkaConsumer<String, RemediationEvent> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                PanicwatchSerdes.fromConfig(config).remediations().deserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.REMEDIATIONS, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        RemediationPrinter printer = new RemediationPrinter(consumer, json, out);
        printer.thread.start();
        return printer;
    }

    /** Waits until at least {@code count} events were printed; false on timeout. */
    boolean awaitPrinted(int count, long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        lock.lock();
        try {
            while (printed < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                printedMore.awaitNanos(left);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    int printed() {
        lock.lock();
        try {
            return printed;
        } finally {
            lock.unlock();
        }
    }

    private void run() {
        try {
            while (running.get()) {
                for (ConsumerRecord<String, RemediationEvent> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        continue; // a tombstone of the compacted topic
                    }
                    print(record.value());
                    lock.lock();
                    try {
                        printed++;
                        printedMore.signalAll();
                    } finally {
                        lock.unlock();
                    }
                }
            }
        } catch (WakeupException stopping) {
            // close() was called
        } catch (RuntimeException e) {
            LOG.error("cannot read {}: {}", Topics.REMEDIATIONS, e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void print(RemediationEvent event) {
        if (json) {
            try {
                out.println(JSON.writeValueAsString(RemediationsCommand.RemediationText.fields(event)));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a RemediationEvent did not convert to JSON", e);
            }
        } else {
            out.println(RemediationsCommand.RemediationText.readable(event));
            out.println();
        }
        out.flush();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        consumer.wakeup();
        thread.join(10_000);
    }
}
