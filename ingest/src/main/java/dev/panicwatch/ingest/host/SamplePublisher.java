package dev.panicwatch.ingest.host;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * Moves samples from the {@link SampleBuffer} to a {@link SampleSink} on its own thread, so sampling never waits for
 * Kafka. A batch that cannot be delivered goes back to the buffer and is retried after a back-off that doubles up to
 * a maximum; meanwhile the buffer keeps the newest samples. The sink reconnects by itself, so an outage ends without
 * a restart.
 */
public final class SamplePublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SamplePublisher.class);

    private final SampleBuffer buffer;
    private final SampleSink sink;
    private final int batchSize;
    private final Duration sendTimeout;
    private final Duration minBackoff;
    private final Duration maxBackoff;

    private final CountDownLatch stop = new CountDownLatch(1);
    private Thread thread;
    private volatile long delivered;
    private volatile long failedAttempts;
    private boolean failing;
    private Duration backoff;
    private long droppedAtOutageStart;

    /**
     * @param sendTimeout how long to wait for a batch's deliveries before counting the unfinished ones as failed;
     *                    must exceed the sink's own delivery timeout, or a late success is sent twice
     */
    public SamplePublisher(SampleBuffer buffer, SampleSink sink, int batchSize, Duration sendTimeout,
                           Duration minBackoff, Duration maxBackoff) {
        this.buffer = buffer;
        this.sink = sink;
        this.batchSize = batchSize;
        this.sendTimeout = sendTimeout;
        this.minBackoff = minBackoff;
        this.maxBackoff = maxBackoff;
        this.backoff = minBackoff;
    }

    /** Publishes on a background thread until {@link #close()}. */
    public synchronized void start() {
        if (thread != null) {
            throw new IllegalStateException("already started");
        }
        thread = new Thread(this::run, "host-load-publisher");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        try {
            while (stop.getCount() > 0) {
                if (!deliverBatch(Duration.ofMillis(500)) && stop.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Delivers everything buffered now on the calling thread, retrying with back-off, for at most {@code timeout}.
     * For {@code --once} and for shutdown. Do not call while the background thread runs.
     *
     * @return whether the buffer is empty at the end
     */
    public boolean flush(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (buffer.size() > 0) {
            if (!deliverBatch(Duration.ZERO)) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.sleep(Math.min(left, backoff.toNanos()));
            }
            if (System.nanoTime() > deadline) {
                return buffer.size() == 0;
            }
        }
        return true;
    }

    /** @return false when some sample of the batch was not delivered (and so went back to the buffer) */
    boolean deliverBatch(Duration waitForSamples) throws InterruptedException {
        List<HostLoadSample> batch = buffer.take(batchSize, waitForSamples);
        if (batch.isEmpty()) {
            return true;
        }
        List<CompletableFuture<Void>> sends = new ArrayList<>(batch.size());
        for (HostLoadSample sample : batch) {
            CompletableFuture<Void> send = sink.send(sample);
            sends.add(send);
            if (send.isCompletedExceptionally()) {
                // Failed before leaving: Kafka's producer blocks each send up to max.block.ms while the broker is
                // unknown, so sending the rest of the batch would only take that long again per sample.
                break;
            }
        }
        boolean interrupted = false;
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // Inspected one by one below.
        } catch (InterruptedException e) {
            // Stopping: what is not confirmed yet goes back to the buffer rather than being lost with this thread.
            interrupted = true;
        }
        List<HostLoadSample> undelivered = new ArrayList<>();
        Throwable cause = null;
        for (int i = 0; i < batch.size(); i++) {
            CompletableFuture<Void> send = i < sends.size() ? sends.get(i) : null;
            if (send == null) {
                undelivered.add(batch.get(i)); // not tried: an earlier send of the batch failed at once
            } else if (!send.isDone() || send.isCompletedExceptionally()) {
                undelivered.add(batch.get(i));
                if (cause == null) {
                    cause = send.isDone() ? send.handle((v, t) -> t).join() : new TimeoutException(
                            "no answer within " + sendTimeout.toMillis() + " ms");
                }
            }
        }
        delivered += batch.size() - undelivered.size();
        if (undelivered.isEmpty()) {
            recovered();
        } else {
            buffer.returnUndelivered(undelivered);
            failed(cause);
        }
        if (interrupted) {
            throw new InterruptedException("stopped while waiting for deliveries");
        }
        return undelivered.isEmpty();
    }

    private void failed(Throwable cause) {
        failedAttempts++;
        if (!failing) {
            failing = true;
            droppedAtOutageStart = buffer.dropped();
            LOG.warn("cannot deliver host-load samples ({}); keeping the newest {} in memory and retrying",
                    describe(cause), buffer.capacity());
        }
        backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
    }

    private void recovered() {
        if (failing) {
            failing = false;
            LOG.info("delivering host-load samples again; {} dropped during the outage (buffer full), {} still buffered",
                    buffer.dropped() - droppedAtOutageStart, buffer.size());
        }
        backoff = minBackoff;
    }

    private static String describe(Throwable cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root
                && (root instanceof java.util.concurrent.CompletionException || root instanceof ExecutionException)) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + ": " + root.getMessage();
    }

    /** Batches that could not be (fully) delivered so far. */
    public long failedAttempts() {
        return failedAttempts;
    }

    /** Samples delivered so far. */
    public long delivered() {
        return delivered;
    }

    /** Stops the background thread (if started); buffered samples stay in the buffer for a final {@link #flush}. */
    @Override
    public void close() {
        stop.countDown();
        Thread running;
        synchronized (this) {
            running = thread;
        }
        if (running == null) {
            return;
        }
        try {
            // A batch may be waiting up to sendTimeout for Kafka; a stop should not (systemd would kill us).
            running.join(2_000);
            if (running.isAlive()) {
                running.interrupt();
                running.join(2_000);
            }
        } catch (InterruptedException e) {
            running.interrupt();
            Thread.currentThread().interrupt();
        }
    }
}
