package dev.panicwatch.ingest.testing.guests;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/**
 * One sampler round over a measured interval, with the test's own readings of the same threads and host files taken
 * right next to the sampler's: the vCPU threads' schedstat just after the baseline round and just after the measured
 * one, and {@code /proc/loadavg} and {@code /proc/pressure/cpu} just before and just after the measured round (the
 * kernel updates both every few seconds, so the sampler's figure must lie between the two readings).
 *
 * @param result       what the measured round returned
 * @param threads      per guest, its vCPUs' schedstat after the baseline round and after the measured one
 * @param load1Range   {@code /proc/loadavg}'s first field before and after the measured round
 * @param psiRange     {@code /proc/pressure/cpu}'s {@code some avg10} before and after
 */
public record MeasuredRound<T>(T result, Map<KvmGuest, ThreadTimes[]> threads, double[] load1Range,
                               double[] psiRange) {

    /**
     * Runs {@code round} once as the baseline, lets {@code interval} pass (the time being measured; nothing is
     * awaited), then runs it again and returns the second result with the readings around it.
     */
    public static <T> MeasuredRound<T> over(Duration interval, Collection<KvmGuest> guests, Supplier<T> round)
            throws InterruptedException {
        round.get();
        Map<KvmGuest, ThreadTimes> start = readAll(guests);
        Thread.sleep(interval.toMillis());
        double load1Before = load1();
        double psiBefore = psiSome10();
        T result = round.get();
        Map<KvmGuest, ThreadTimes> end = readAll(guests);
        double load1After = load1();
        double psiAfter = psiSome10();
        Map<KvmGuest, ThreadTimes[]> pairs = guests.stream().collect(Collectors.toMap(g -> g,
                g -> new ThreadTimes[] {start.get(g), end.get(g)}));
        return new MeasuredRound<>(result, pairs, sorted(load1Before, load1After), sorted(psiBefore, psiAfter));
    }

    /** The test's own worst vCPU wait share of {@code guest} over the measured interval. */
    public double worstVcpuWait(KvmGuest guest) {
        ThreadTimes[] pair = threads.get(guest);
        return pair[1].worstWaitShareSince(pair[0], pair[0].byTid().keySet());
    }

    /** The cores {@code guest}'s vCPU threads ran, by the test's reading (their run shares added up). */
    public double vcpuCores(KvmGuest guest) {
        ThreadTimes[] pair = threads.get(guest);
        return pair[0].byTid().keySet().stream().mapToDouble(tid -> pair[1].runShareSince(pair[0], tid)).sum();
    }

    /** Each vCPU's run and wait share, for the measured-next-to-expected lines the tests print. */
    public String describe(KvmGuest guest) {
        ThreadTimes[] pair = threads.get(guest);
        List<String> parts = new ArrayList<>();
        for (int tid : new java.util.TreeSet<>(pair[0].byTid().keySet())) {
            parts.add(String.format("tid %d run %.2f wait %.2f", tid, pair[1].runShareSince(pair[0], tid),
                    pair[1].waitShareSince(pair[0], tid)));
        }
        return String.join(", ", parts);
    }

    private static Map<KvmGuest, ThreadTimes> readAll(Collection<KvmGuest> guests) {
        return guests.stream().collect(Collectors.toMap(g -> g,
                g -> ThreadTimes.read(g.pid(), g.vcpuThreads().values())));
    }

    private static double[] sorted(double a, double b) {
        return new double[] {Math.min(a, b), Math.max(a, b)};
    }

    static double load1() {
        return Double.parseDouble(read(Path.of("/proc/loadavg")).split("\\s+")[0]);
    }

    /** {@code some avg10} of {@code /proc/pressure/cpu}, or NaN on a kernel without PSI. */
    static double psiSome10() {
        Path file = Path.of("/proc/pressure/cpu");
        if (!Files.isReadable(file)) {
            return Double.NaN;
        }
        for (String field : read(file).split("\n")[0].split("\\s+")) {
            if (field.startsWith("avg10=")) {
                return Double.parseDouble(field.substring("avg10=".length()));
            }
        }
        return Double.NaN;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
