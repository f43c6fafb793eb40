package dev.panicwatch.ingest.host;

import java.time.Duration;
import java.time.Instant;

/** A sampler clock the test moves by hand, so every interval is exact. */
final class ManualClock implements SamplerClock {

    private Instant wall;
    private long nanos;

    ManualClock(Instant start) {
        this.wall = start;
        this.nanos = 5_000_000_000L; // any origin: only differences count
    }

    void advance(Duration step) {
        wall = wall.plus(step);
        nanos += step.toNanos();
    }

    @Override
    public Instant wallTime() {
        return wall;
    }

    @Override
    public long monotonicNanos() {
        return nanos;
    }
}
