package dev.panicwatch.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The panicwatch processes a test starts, stopped after each test as a user's Ctrl-C would (SIGTERM, then SIGKILL
 * after 30 s), so a failing test leaves no receiver or streams app behind. Register with {@code @RegisterExtension}.
 * When the test failed, the end of each process's log is printed: the logs live in the test's temporary folder,
 * which is gone by the time anyone reads a CI report.
 */
final class ChildProcesses implements AfterEachCallback {

    private static final int LOG_LINES = 150;

    private final List<Process> started = new ArrayList<>();
    private final Map<String, Path> logs = new LinkedHashMap<>();

    /**
     * Keeps {@code process} to be stopped after the test, and returns it; {@code log} is where it writes, printed
     * under {@code name} if the test fails.
     */
    Process add(String name, Process process, Path log) {
        started.add(process);
        logs.put(name, log);
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
        if (context.getExecutionException().isPresent()) {
            logs.forEach(ChildProcesses::printTail);
        }
        logs.clear();
    }

    private static void printTail(String name, Path log) {
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            System.out.printf("---- last %d of %d lines of %s's log (%s) ----%n",
                    Math.min(LOG_LINES, lines.size()), lines.size(), name, log);
            lines.subList(Math.max(0, lines.size() - LOG_LINES), lines.size()).forEach(System.out::println);
            System.out.printf("---- end of %s's log ----%n", name);
        } catch (IOException e) {
            System.out.printf("---- %s's log (%s) could not be read: %s ----%n", name, log, e);
        }
    }
}
