package dev.panicwatch.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Figures from Linux's {@code /proc}: a process's memory lines and the load average. */
final class ProcStatus {

    private ProcStatus() {
    }

    /** A {@code kB} line of {@code /proc/<pid>/status}, e.g. VmHWM; NaN when it cannot be read. */
    static double kibibytes(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (line.startsWith(field + ":")) {
                    return Double.parseDouble(line.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux, or the process is gone
        }
        return Double.NaN;
    }

    /** The 1-minute load average, which says how busy the shared machine was while measuring; NaN if unknown. */
    static double loadAverage1() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+")[0]);
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
    }
}
