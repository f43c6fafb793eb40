package dev.panicwatch.cli.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import dev.panicwatch.diagnosis.parse.PanicReportParser;
import dev.panicwatch.diagnosis.parse.UnparseableReportException;

/**
 * The panic report parser's speed over the real corpus (class path {@code bench-corpus/}), in MB of raw report
 * bytes per second of the parsing thread's CPU time. CPU time rather than wall time because the machine is shared:
 * wall time would measure the other processes as much as the parser. A report without a panic costs a parse too, so
 * rejected files count as parsed.
 */
final class ParserThroughput {

    private static final String CORPUS = "bench-corpus/";

    record Result(int files, long corpusBytes, double mbPerSec) {
    }

    private ParserThroughput() {
    }

    static Result measure(Duration warmUp, Duration measure) {
        List<byte[]> corpus = corpus();
        long corpusBytes = corpus.stream().mapToLong(b -> b.length).sum();
        PanicReportParser parser = new PanicReportParser();
        passesFor(parser, corpus, warmUp); // JIT: the measured passes run compiled code, as a long-running collector does
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long start = threads.getCurrentThreadCpuTime();
        long passes = passesFor(parser, corpus, measure);
        double seconds = (threads.getCurrentThreadCpuTime() - start) / 1e9;
        return new Result(corpus.size(), corpusBytes, passes * corpusBytes / 1e6 / seconds);
    }

    private static long passesFor(PanicReportParser parser, List<byte[]> corpus, Duration time) {
        long end = System.nanoTime() + time.toNanos();
        long passes = 0;
        int parsed = 0;
        do {
            for (byte[] report : corpus) {
                try {
                    parser.parse(report);
                    parsed++;
                } catch (UnparseableReportException e) {
                    // a few corpus files have no panic string; rejecting them is the parser's work too
                }
            }
            passes++;
        } while (System.nanoTime() < end);
        if (parsed == 0) {
            throw new IllegalStateException("the parser rejected every corpus file; nothing was measured");
        }
        return passes;
    }

    static List<byte[]> corpus() {
        List<byte[]> files = new ArrayList<>();
        for (String name : new String(read("index.txt"), StandardCharsets.UTF_8).split("\n")) {
            if (!name.isBlank()) {
                files.add(read(name.trim()));
            }
        }
        if (files.isEmpty()) {
            throw new IllegalStateException("bench-corpus/index.txt lists no files");
        }
        return files;
    }

    private static byte[] read(String name) {
        try (InputStream in = ParserThroughput.class.getClassLoader().getResourceAsStream(CORPUS + name)) {
            if (in == null) {
                throw new IllegalStateException("corpus file " + CORPUS + name + " is not on the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read corpus file " + CORPUS + name, e);
        }
    }
}
