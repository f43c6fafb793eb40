package dev.panicwatch.cli.bench;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The summary lines Kafka's perf tools print at the end of a run, read back into figures. The tools have no
 * machine-readable output, so the formats of kafka-tools 4.4.0 are matched here; a changed format fails loudly
 * with the line it could not read rather than yielding a made-up baseline.
 */
public final class PerfToolSummary {

    /** ProducerPerformance's final line, e.g. {@code 200000 records sent, 42453.8 records/sec (6.07 MB/sec), ...}. */
    public record Producer(long records, double recordsPerSec, double mbPerSec, double avgLatencyMs,
                           double maxLatencyMs, double p50LatencyMs, double p99LatencyMs) {
    }

    /**
     * ConsumerPerformance's data line. {@code recordsPerSec} spans the whole run including the consumer group join;
     * {@code fetchRecordsPerSec} leaves the join out and is the fairer figure for a consumer that is already running.
     */
    public record Consumer(long records, double mbPerSec, double recordsPerSec, long rebalanceMs, long fetchMs,
                           double fetchRecordsPerSec) {
    }

    private static final Pattern PRODUCER = Pattern.compile(
            "^(\\d+) records sent, ([\\d.]+) records/sec \\(([\\d.]+) MB/sec\\), ([\\d.]+) ms avg latency, "
                    + "([\\d.]+) ms max latency, (\\d+) ms 50th, (\\d+) ms 95th, (\\d+) ms 99th, (\\d+) ms 99\\.9th\\.$");

    private static final String CONSUMER_HEADER_START = "start.time, end.time,";

    private PerfToolSummary() {
    }

    /** The producer's final summary among {@code output}; the tool also prints interim lines ending in "ms max latency." */
    public static Producer producer(List<String> output) {
        for (int i = output.size() - 1; i >= 0; i--) {
            Matcher m = PRODUCER.matcher(output.get(i).trim());
            if (m.matches()) {
                return new Producer(Long.parseLong(m.group(1)), Double.parseDouble(m.group(2)),
                        Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), Double.parseDouble(m.group(5)),
                        Double.parseDouble(m.group(6)), Double.parseDouble(m.group(8)));
            }
        }
        throw new IllegalArgumentException("ProducerPerformance printed no summary line (\"N records sent, ... 99.9th.\"); "
                + "last lines: " + tail(output));
    }

    /** The consumer's header line and the data line after it, matched by column name. */
    public static Consumer consumer(List<String> output) {
        for (int i = output.size() - 2; i >= 0; i--) {
            String header = output.get(i).trim();
            if (!header.startsWith(CONSUMER_HEADER_START)) {
                continue;
            }
            String[] names = header.split(",\\s*");
            String[] values = output.get(i + 1).trim().split(",\\s*");
            if (names.length != values.length) {
                throw new IllegalArgumentException("ConsumerPerformance data line has " + values.length
                        + " columns, its header " + names.length + ": " + output.get(i + 1));
            }
            Map<String, String> row = new HashMap<>();
            for (int c = 0; c < names.length; c++) {
                row.put(names[c], values[c]);
            }
            try {
                return new Consumer(Long.parseLong(column(row, "data.consumed.in.nMsg")),
                        Double.parseDouble(column(row, "MB.sec")), Double.parseDouble(column(row, "nMsg.sec")),
                        Long.parseLong(column(row, "rebalance.time.ms")), Long.parseLong(column(row, "fetch.time.ms")),
                        Double.parseDouble(column(row, "fetch.nMsg.sec")));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("ConsumerPerformance data line has a non-number: "
                        + output.get(i + 1), e);
            }
        }
        throw new IllegalArgumentException("ConsumerPerformance printed no summary (header \"" + CONSUMER_HEADER_START
                + " ...\" and a data line); last lines: " + tail(output));
    }

    private static String column(Map<String, String> row, String name) {
        String value = row.get(name);
        if (value == null) {
            throw new IllegalArgumentException("ConsumerPerformance summary has no column " + name + " (columns: "
                    + row.keySet() + ")");
        }
        return value;
    }

    private static String tail(List<String> output) {
        return output.isEmpty() ? "(no output)"
                : String.join(" | ", output.subList(Math.max(0, output.size() - 3), output.size()));
    }
}
