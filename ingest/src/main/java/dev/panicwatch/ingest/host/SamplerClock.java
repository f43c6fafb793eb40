package dev.panicwatch.ingest.host;

import java.time.Instant;

/**
 * The sampler's two clocks: wall time stamps the samples; a monotonic clock measures the interval every delta is
 * divided by, so an NTP step cannot turn into a negative or doubled interval. Tests substitute both to make intervals
 * exact.
 */
public interface SamplerClock {

    Instant wallTime();

    long monotonicNanos();

    static SamplerClock system() {
        return new SamplerClock() {
            @Override
            public Instant wallTime() {
                return Instant.now();
            }

            @Override
            public long monotonicNanos() {
                return System.nanoTime();
            }
        };
    }
}
