package dev.panicwatch.cli.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import dev.panicwatch.diagnosis.parse.PanicReportParser;
import dev.panicwatch.diagnosis.parse.UnparseableReportException;

/**
 * The panic report parser's speed over the real corpus (diagnosis' test corpus, packed as {@code bench-corpus/} on
 * the class path), in MB of raw report bytes per second of the parsing thread's CPU time. CPU time rather than wall time because the machine is shared:
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

    /** Every report of the corpus, in name order; works from the jar the launcher runs and from target/classes. */
    static List<byte[]> corpus() {
        URL folder = ParserThroughput.class.getClassLoader().getResource(CORPUS);
        if (folder == null) {
            throw new IllegalStateException("the corpus folder " + CORPUS + " is not on the class path; rebuild the cli"
                    + " module (it copies diagnosis/src/test/resources/corpus/panics there)");
        }
        try {
            URI uri = folder.toURI();
            if (!"jar".equals(uri.getScheme())) {
                return reports(Path.of(uri));
            }
            try (FileSystem jar = FileSystems.newFileSystem(uri, Map.of())) {
                return reports(jar.provider().getPath(uri));
            }
        } catch (URISyntaxException | IOException e) {
            throw new IllegalStateException("cannot read the corpus folder " + folder + ": " + e.getMessage(), e);
        }
    }

    private static List<byte[]> reports(Path folder) throws IOException {
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> listed = Files.list(folder)) {
            for (Path file : listed.filter(f -> f.getFileName().toString().endsWith(".txt")).sorted().toList()) {
                files.add(Files.readAllBytes(file));
            }
        }
        if (files.isEmpty()) {
            throw new IllegalStateException("the corpus folder " + folder.toUri() + " holds no .txt reports");
        }
        return files;
    }
}
