package dev.panicwatch.ingest.testing.guests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Host threads that only burn CPU, the contention a test puts next to a guest: each is a {@code sh} busy loop,
 * pinned to one host CPU with {@code taskset} or left to the scheduler. Stopped by {@link #close()}.
 */
public final class BusyLoad implements AutoCloseable {

    private final List<Process> processes = new ArrayList<>();
    private final String description;

    private BusyLoad(String description) {
        this.description = description;
    }

    /** {@code count} busy loops, all pinned to host CPU {@code cpu}, or unpinned when {@code cpu} is negative. */
    static BusyLoad start(int count, int cpu) {
        BusyLoad load = new BusyLoad(count + " busy thread(s) " + (cpu < 0 ? "unpinned" : "on CPU " + cpu));
        try {
            for (int i = 0; i < count; i++) {
                List<String> command = new ArrayList<>();
                if (cpu >= 0) {
                    command.addAll(List.of("taskset", "-c", Integer.toString(cpu)));
                }
                command.addAll(List.of("sh", "-c", "while :; do :; done"));
                load.processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
            }
        } catch (IOException e) {
            load.close();
            throw new UncheckedIOException("cannot start " + load.description, e);
        }
        return load;
    }

    public List<Long> pids() {
        return processes.stream().map(Process::pid).toList();
    }

    public boolean isRunning() {
        return processes.stream().anyMatch(Process::isAlive);
    }

    @Override
    public void close() {
        processes.forEach(Process::destroyForcibly);
        for (Process process : processes) {
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
