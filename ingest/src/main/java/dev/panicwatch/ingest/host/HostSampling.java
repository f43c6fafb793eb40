package dev.panicwatch.ingest.host;

import java.time.Duration;

/**
 * One host sampler at work: rounds every interval into a bounded buffer, and a publisher moving the buffer to the
 * sink, so sampling never waits for Kafka. {@code ./panicwatch ingest host} parses its flags and calls this; the
 * timing lives here.
 */
public final class HostSampling implements AutoCloseable {

    /** The longest a stop may spend delivering what is still buffered: a stop must not hang on an unreachable Kafka. */
    static final Duration FINAL_FLUSH = Duration.ofSeconds(5);

    private final HostSampler sampler;
    private final SampleSink sink;
    private final SampleBuffer buffer;
    private final SamplePublisher publisher;
    private final Duration interval;
    private SamplingLoop loop;
    private boolean closed;

    /**
     * @param sink     takes ownership: closed with this
     * @param interval time between rounds; with {@link #oneRound()} the gap between its two reads
     */
    public HostSampling(HostSampler sampler, SampleSink sink, int bufferCapacity, Duration interval) {
        this.sampler = sampler;
        this.sink = sink;
        this.buffer = new SampleBuffer(bufferCapacity);
        this.publisher = new SamplePublisher(buffer, sink, 500, KafkaSampleSink.BATCH_TIMEOUT,
                Duration.ofSeconds(1), Duration.ofSeconds(30));
        this.interval = interval;
    }

    /** What {@link #oneRound()} did. */
    public record OneRound(SamplingRound round, boolean delivered) {
    }

    /** Samples one round (two reads an interval apart, so rates are filled) and delivers it. */
    public OneRound oneRound() throws InterruptedException {
        {
            // Rates are deltas, so one round needs two reads: a baseline, then the reported one a gap later.
            long baselineStart = System.nanoTime();
            sampler.sampleRound();
            // Sleep out the rest of the gap, so the reported interval is the gap even when the first (cold) read is
            // slow. Rounded up, plus a millisecond: the rounds stamp their reads in whole milliseconds a little after
            // they start, and an interval reported 1 ms short of the one asked for would only confuse.
            long restNanos = interval.toNanos() - (System.nanoTime() - baselineStart);
            Thread.sleep(Math.max(0, (restNanos + 999_999) / 1_000_000 + 1));
            SamplingRound round = sampler.sampleRound();
            buffer.addAll(round.samples());
            return new OneRound(round, publisher.flush(KafkaSampleSink.BATCH_TIMEOUT));
        }
    }

    /** Samples every interval and publishes on background threads until {@link #close()}. */
    public synchronized void start() {
        if (loop != null) {
            throw new IllegalStateException("already started");
        }
        loop = new SamplingLoop(sampler, buffer, interval);
        publisher.start();
        loop.start();
    }

    /** Stops sampling, gives the buffer one last short chance to reach Kafka, and closes the sink. */
    @Override
    public synchronized void close() throws InterruptedException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (loop != null) {
                loop.close();
                publisher.close();
                publisher.flush(FINAL_FLUSH);
            }
        } finally {
            sink.close();
        }
    }
}
