package dev.panicwatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The panicwatch processes a test starts, stopped after each test as a user's Ctrl-C would (SIGTERM, then SIGKILL
 * after 30 s), so a failing test leaves no receiver or streams app behind. Register with {@code @RegisterExtension}.
 */
final class ChildProcesses implements AfterEachCallback {

    private final List<Process> started = new ArrayList<>();

    /** Keeps {@code process} to be stopped after the test, and returns it. */
    Process add(Process process) {
        started.add(process);
        return process;
    }

    @Override
    public void afterEach(ExtensionContext context) throws InterruptedException {
        for (Process p : started) {
            p.destroy();
        }
        for (Process p : started) {
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        started.clear();
    }
}
