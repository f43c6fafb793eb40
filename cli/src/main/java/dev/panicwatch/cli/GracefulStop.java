package dev.panicwatch.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C for a long-running collector: the JVM's shutdown hook asks the collector to stop, then waits until the
 * command has closed its producer (so records in flight are acknowledged or failed, not dropped) before the JVM ends.
 * The command calls {@link #finished()} when its resources are closed.
 */
final class GracefulStop {

    private final CountDownLatch finished = new CountDownLatch(1);

    /** Registers {@code stop} to run on Ctrl-C / SIGTERM. */
    GracefulStop(Runnable stop) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.run();
            try {
                finished.await(40, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "graceful-stop"));
    }

    void finished() {
        finished.countDown();
    }
}
