package dev.panicwatch.streams.query;

import java.time.Duration;
import java.time.Instant;

/** A half-open time range [from, to). */
public record TimeRange(Instant from, Instant to) {

    private static final double MILLIS_PER_HOUR = 3_600_000.0;

    public TimeRange {
        if (!from.isBefore(to) && !from.equals(to)) {
            throw new IllegalArgumentException("range " + from + " .. " + to + " ends before it starts");
        }
    }

    public Duration length() {
        return Duration.between(from, to);
    }

    public double hours() {
        return length().toMillis() / MILLIS_PER_HOUR;
    }

    /**
     * The range the rate windows actually cover when asked for this one: from rounded down to a window start, to
     * rounded up to a window end (whole windows are counted) but never past {@code now} (an open window has only seen
     * panics up to now, so counting its future part would dilute the rate).
     */
    public TimeRange coveredByWindows(Duration windowSize, Instant now) {
        long size = windowSize.toMillis();
        long start = Math.floorDiv(from.toEpochMilli(), size) * size;
        long end = Math.min(Math.floorDiv(to.toEpochMilli() + size - 1, size) * size, now.toEpochMilli());
        return new TimeRange(Instant.ofEpochMilli(start), Instant.ofEpochMilli(Math.max(start, end)));
    }

    /** Panics per hour over this range; 0 for an empty range. */
    public double perHour(long panics) {
        double hours = hours();
        return hours > 0 ? panics / hours : 0.0;
    }

    /** The last instant inside the range, for store fetches whose bounds are inclusive. */
    Instant lastMilli() {
        return to.minusMillis(1);
    }
}
