package dev.panicwatch.notify;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One target's own thread and queue, so a slow or failing target waits alone while the others go on. Events are sent
 * in the order they were read, each tried until the target takes it, refuses it, or the retry policy gives up; then
 * {@code settled} tells the ledger. A stop while an event is still being tried leaves it unsettled: its offset is not
 * committed and the next run sends it again.
 */
final class TargetWorker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TargetWorker.class);

    /** An event for this target and what to call once it is settled. */
    record Job(AdviceMessage message, Runnable settled) {
    }

    private final TargetSettings settings;
    private final Target target;
    private final NotifierMetrics metrics;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger waiting = new AtomicInteger();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final Thread thread;

    TargetWorker(TargetSettings settings, Target target, NotifierMetrics metrics) {
        this.settings = settings;
        this.target = target;
        this.metrics = metrics;
        metrics.target(settings.name(), waiting::get);
        this.thread = new Thread(this::run, "notify-" + settings.name());
        thread.setDaemon(true);
        thread.start();
    }

    TargetSettings settings() {
        return settings;
    }

    void submit(Job job) {
        waiting.incrementAndGet();
        queue.add(job);
    }

    private void run() {
        try {
            while (stopping.getCount() > 0) {
                Job job = queue.poll(200, TimeUnit.MILLISECONDS);
                if (job != null) {
                    if (deliver(job.message())) {
                        waiting.decrementAndGet();
                        job.settled().run();
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Tries one event until it is settled; false when stopped first. */
    private boolean deliver(AdviceMessage message) throws InterruptedException {
        String name = settings.name();
        String what = "advice " + message.value("remediationId") + " for VM " + message.value("vm");
        RetryPolicy retry = settings.retry();
        for (int attempt = 1; ; attempt++) {
            Delivery result = target.send(message);
            if (result instanceof Delivery.Taken) {
                if (metrics.isFailing(name)) {
                    LOG.info("target {} recovered: took {} on try {}", name, what, attempt);
                } else {
                    LOG.info("target {} took {}", name, what);
                }
                metrics.delivered(name);
                return true;
            }
            boolean firstFailure = metrics.tryFailed(name);
            if (result instanceof Delivery.Refused refused) {
                LOG.error("target {} refused {}: {}; giving it up (trying again would not help)", name, what,
                        refused.reason());
                metrics.gaveUp(name);
                return true;
            }
            Delivery.TryAgain again = (Delivery.TryAgain) result;
            if (attempt >= retry.attempts()) {
                LOG.error("target {} gave up on {} after {} tries; last: {}", name, what, attempt, again.reason());
                metrics.gaveUp(name);
                return true;
            }
            Duration wait = retry.delayAfter(attempt, again.retryAfter());
            if (firstFailure) {
                LOG.warn("target {} is failing: try {}/{} of {}: {}; next try in {}{}", name, attempt,
                        retry.attempts(), what, again.reason(), wait,
                        again.retryAfter().isPresent() ? " (its Retry-After)" : "");
            } else {
                LOG.warn("target {}: try {}/{} of {} failed: {}; next try in {}", name, attempt, retry.attempts(),
                        what, again.reason(), wait);
            }
            if (stopping.await(wait.toMillis(), TimeUnit.MILLISECONDS)) {
                return false;
            }
        }
    }

    @Override
    public void close() {
        stopping.countDown();
        try {
            thread.join(Math.max(1_000, settings.retry().requestTimeout().toMillis() + 1_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        target.close();
    }
}
