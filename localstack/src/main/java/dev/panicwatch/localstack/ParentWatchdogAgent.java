package dev.panicwatch.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.lang.instrument.Instrumentation;

/**
 * Java agent loaded into every child JVM of the local stack. The parent keeps the child's stdin pipe open for as long
 * as it lives; the operating system closes it when the parent dies for any reason, kill -9 included. On end of input
 * the child exits, so a crashed test run or a killed CLI never leaves a broker or registry behind.
 */
public final class ParentWatchdogAgent {

    private static final long HALT_AFTER_MILLIS = 20_000;

    private ParentWatchdogAgent() {
    }

    public static void premain(String args, Instrumentation instrumentation) {
        Thread watcher = new Thread(ParentWatchdogAgent::watchStdin, "parent-watchdog");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void watchStdin() {
        try (InputStream in = System.in) {
            byte[] buffer = new byte[256];
            while (in.read(buffer) >= 0) {
                // The parent never writes; any bytes are ignored.
            }
        } catch (IOException e) {
            // A broken pipe means the parent is gone, just like end of input.
        }
        System.err.println("[panicwatch] parent process is gone; shutting down");
        Thread halter = new Thread(() -> {
            try {
                Thread.sleep(HALT_AFTER_MILLIS);
            } catch (InterruptedException ignored) {
                // fall through to halt
            }
            Runtime.getRuntime().halt(3);
        }, "parent-watchdog-halt");
        halter.setDaemon(true);
        halter.start();
        System.exit(0);
    }
}
