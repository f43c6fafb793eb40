package dev.panicwatch.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.kafka.KafkaConnection;
import dev.panicwatch.schemas.RemediationEvent;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.streams.remediations.RemediationFeed;
import dev.panicwatch.streams.remediations.RemediationText;

/**
 * Prints the remediations topic as it grows, from its beginning, on its own thread, and counts what it printed: what
 * the demo shows and waits for. The reading is {@link RemediationFeed}'s, the text {@link RemediationText}'s.
 */
final class RemediationPrinter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RemediationPrinter.class);

    private final RemediationFeed feed;
    private final boolean json;
    private final PrintStream out;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition printedMore = lock.newCondition();
    private int printed;

    private RemediationPrinter(RemediationFeed feed, boolean json, PrintStream out) {
        this.feed = feed;
        this.json = json;
        this.out = out;
        this.thread = new Thread(this::run, "remediation-printer");
        this.thread.setDaemon(true);
    }

    /** Starts printing; the remediations topic must exist (the streams app creates it at start). */
    static RemediationPrinter start(KafkaConnection connection, boolean json, PrintStream out) {
        RemediationPrinter printer = new RemediationPrinter(RemediationFeed.open(connection, Duration.ofSeconds(30)),
                json, out);
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
                for (RemediationEvent event : feed.poll(Duration.ofMillis(200))) {
                    print(event);
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
            feed.close();
        }
    }

    private void print(RemediationEvent event) {
        out.println(RemediationText.printed(event, json));
        out.flush();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        feed.wakeup();
        thread.join(10_000);
    }
}
