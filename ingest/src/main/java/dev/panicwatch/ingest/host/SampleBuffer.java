package dev.panicwatch.ingest.host;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

import dev.panicwatch.schemas.HostLoadSample;

/**
 * Samples waiting for Kafka, bounded: when Kafka is unreachable for long, the oldest samples are dropped first and
 * counted. Load samples are lossy by nature (the next round says almost the same thing), and the newest ones are the
 * ones a panic arriving now will be correlated with, so keeping memory bounded costs the least useful data.
 *
 * <p>Thread-safe: the sampling thread adds, the publishing thread takes and returns.
 */
public final class SampleBuffer {

    private final int capacity;
    private final ArrayDeque<HostLoadSample> queue = new ArrayDeque<>();
    private long dropped;

    public SampleBuffer(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("buffer capacity must be at least 1 sample, is " + capacity);
        }
        this.capacity = capacity;
    }

    public int capacity() {
        return capacity;
    }

    /** Appends the samples (newest last), dropping the oldest beyond the capacity. */
    public synchronized void addAll(List<HostLoadSample> samples) {
        queue.addAll(samples);
        trim();
        if (!queue.isEmpty()) {
            notifyAll();
        }
    }

    /**
     * Up to {@code max} of the oldest samples, removed from the buffer; waits up to {@code wait} for one to arrive.
     * Empty when none arrived in time.
     */
    public synchronized List<HostLoadSample> take(int max, Duration wait) throws InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        while (queue.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return List.of();
            }
            wait(Math.max(1, left / 1_000_000));
        }
        List<HostLoadSample> batch = new ArrayList<>(Math.min(max, queue.size()));
        while (batch.size() < max && !queue.isEmpty()) {
            batch.add(queue.pollFirst());
        }
        return batch;
    }

    /**
     * Puts samples that could not be delivered back in front, in their order: they are older than anything added
     * meanwhile. If that overflows the buffer, they are the oldest and so the first dropped.
     */
    public synchronized void returnUndelivered(List<HostLoadSample> undelivered) {
        for (int i = undelivered.size() - 1; i >= 0; i--) {
            queue.addFirst(undelivered.get(i));
        }
        trim();
    }

    private void trim() {
        while (queue.size() > capacity) {
            queue.pollFirst();
            dropped++;
        }
    }

    public synchronized int size() {
        return queue.size();
    }

    /** Samples dropped since start because the buffer was full. */
    public synchronized long dropped() {
        return dropped;
    }
}
