package dev.panicwatch.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.streams.remediations.CommittedFeed;

/**
 * Prints one of the pipeline's output topics as it grows, from its beginning, on its own thread, and counts what it
 * printed and for which VMs: what the demo shows and waits for. The reading is {@link CommittedFeed}'s; the text is
 * the caller's. With a limit it prints no more than that many records, so "stop after N" means N.
 */
final class FeedPrinter<V> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(FeedPrinter.class);

    private final String topic;
    private final CommittedFeed<V> feed;
    private final Function<V, String> text;
    private final Function<V, String> vmOf;
    private final int limit;
    private final PrintStream out;
    private final Thread thread;
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicBoolean finishing = new AtomicBoolean(false);
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition printedMore = lock.newCondition();
    private final Set<String> vms = new HashSet<>();
    private int printed;

    private FeedPrinter(String topic, CommittedFeed<V> feed, Function<V, String> text, Function<V, String> vmOf,
                        Integer limit, PrintStream out) {
        this.topic = topic;
        this.feed = feed;
        this.text = text;
        this.vmOf = vmOf;
        this.limit = limit == null ? Integer.MAX_VALUE : limit;
        this.out = out;
        this.thread = new Thread(this::run, topic + "-printer");
        this.thread.setDaemon(true);
    }

    /**
     * Starts printing {@code feed}, each record as {@code text} gives it (one println, so the printers sharing
     * {@code out} never mix their lines).
     *
     * @param limit print at most this many records; null: no limit
     */
    static <V> FeedPrinter<V> start(String topic, CommittedFeed<V> feed, Function<V, String> text,
                                    Function<V, String> vmOf, Integer limit, PrintStream out) {
        FeedPrinter<V> printer = new FeedPrinter<>(topic, feed, text, vmOf, limit, out);
        printer.thread.start();
        return printer;
    }

    /** Waits until at least {@code count} records were printed; false on timeout. */
    boolean awaitPrinted(int count, long timeout, TimeUnit unit) throws InterruptedException {
        return await(() -> printed >= count, timeout, unit);
    }

    /** Waits until a record of each of {@code vmIds} was printed; false on timeout. */
    boolean awaitVms(Set<String> vmIds, long timeout, TimeUnit unit) throws InterruptedException {
        return await(() -> vms.containsAll(vmIds), timeout, unit);
    }

    private boolean await(java.util.function.BooleanSupplier done, long timeout, TimeUnit unit)
            throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        lock.lock();
        try {
            while (!done.getAsBoolean()) {
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
        Map<TopicPartition, Long> finishAt = null;
        try {
            while (running.get()) {
                if (finishing.get()) {
                    // What the pipeline had committed when asked to finish is printed; then the printer stops.
                    finishAt = finishAt == null ? feed.committedEnd() : finishAt;
                    if (feed.reached(finishAt)) {
                        break;
                    }
                }
                for (V record : feed.poll(Duration.ofMillis(200))) {
                    print(record);
                }
            }
        } catch (WakeupException stopping) {
            // close() was called
        } catch (RuntimeException e) {
            LOG.error("cannot read {}: {}", topic, e.toString());
        } finally {
            feed.close();
        }
    }

    private void print(V record) {
        lock.lock();
        try {
            if (printed >= limit) {
                return;
            }
            out.println(text.apply(record));
            out.flush();
            printed++;
            vms.add(vmOf.apply(record));
            printedMore.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Prints what the topic holds, committed, by now (records the pipeline committed together with what was awaited,
     * such as the outcomes of the last advice), then stops; waits at most {@code timeout} for that.
     */
    void finish(Duration timeout) throws InterruptedException {
        finishing.set(true);
        thread.join(timeout.toMillis());
        close();
    }

    @Override
    public void close() throws InterruptedException {
        running.set(false);
        if (thread.isAlive()) {
            feed.wakeup(); // the thread closes the feed when it ends; a closed one is not woken
        }
        thread.join(10_000);
    }
}
