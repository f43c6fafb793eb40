package dev.panicwatch.ingest.host;

/**
 * Pressure-stall information for CPU ({@code /proc/pressure/cpu}, or a cgroup's {@code cpu.pressure}): the share of
 * the last 10 s in which at least one runnable task waited for a CPU, in percent.
 */
final class CpuPressure {

    private CpuPressure() {
    }

    /**
     * The {@code avg10} of the {@code some} line of "{@code some avg10=7.08 avg60=3.20 avg300=4.85 total=36827215}".
     *
     * @throws IllegalArgumentException naming what is wrong when there is no such value
     */
    static double someAvg10(String text) {
        for (String line : text.split("\n")) {
            if (line.startsWith("some ")) {
                for (String field : line.substring(5).trim().split("\\s+")) {
                    if (field.startsWith("avg10=")) {
                        String value = field.substring(6);
                        double percent;
                        try {
                            percent = Double.parseDouble(value);
                        } catch (NumberFormatException e) {
                            throw new IllegalArgumentException("avg10 is not a number: '" + value + "'");
                        }
                        if (!(percent >= 0 && percent <= 100)) {
                            throw new IllegalArgumentException("avg10 is not a percentage: " + value);
                        }
                        return percent;
                    }
                }
                throw new IllegalArgumentException("'some' line has no avg10: '" + line + "'");
            }
        }
        throw new IllegalArgumentException("no 'some' line");
    }
}
