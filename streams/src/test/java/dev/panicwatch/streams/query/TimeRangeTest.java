package dev.panicwatch.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class TimeRangeTest {

    private static final Duration HOUR = Duration.ofHours(1);

    private static TimeRange range(String from, String to) {
        return new TimeRange(Instant.parse(from), Instant.parse(to));
    }

    @Test
    void wholeWindowsInThePastAreCountedEntirely() {
        // 10:20..13:40 touches the windows starting 10:00, 11:00, 12:00, 13:00 → 10:00..14:00, 4 hours.
        TimeRange covered = range("2024-05-08T10:20:00Z", "2024-05-08T13:40:00Z")
                .coveredByWindows(HOUR, Instant.parse("2024-05-08T15:00:00Z"));
        assertThat(covered).isEqualTo(range("2024-05-08T10:00:00Z", "2024-05-08T14:00:00Z"));
        assertThat(covered.hours()).isEqualTo(4.0);
        // 6 panics over 4 hours = 1.5 per hour.
        assertThat(covered.perHour(6)).isEqualTo(1.5);
    }

    @Test
    void theOpenWindowCountsOnlyUpToNow() {
        // PT24H at 15:30: asked 15:30 the day before .. 15:30; counted from 15:00 the day before to now = 24.5 h.
        Instant now = Instant.parse("2024-05-08T15:30:00Z");
        TimeRange covered = new TimeRange(now.minus(Duration.ofHours(24)), now).coveredByWindows(HOUR, now);
        assertThat(covered).isEqualTo(range("2024-05-07T15:00:00Z", "2024-05-08T15:30:00Z"));
        // 49 panics / 24.5 h = 2 per hour.
        assertThat(covered.perHour(49)).isEqualTo(2.0);
    }

    @Test
    void alignedRangesStayAsTheyAre() {
        TimeRange aligned = range("2024-05-08T09:00:00Z", "2024-05-08T12:00:00Z");
        assertThat(aligned.coveredByWindows(HOUR, Instant.parse("2024-05-08T20:00:00Z"))).isEqualTo(aligned);
        // 5 panics in 3 hours.
        assertThat(aligned.perHour(5)).isCloseTo(1.6667, within(1e-4));
    }

    @Test
    void otherWindowSizesAlignToTheirOwnBoundaries() {
        // 15-minute windows: 10:20..10:50 → 10:15..11:00 (3 windows, 0.75 h); 3 panics = 4 per hour.
        TimeRange covered = range("2024-05-08T10:20:00Z", "2024-05-08T10:50:00Z")
                .coveredByWindows(Duration.ofMinutes(15), Instant.parse("2024-05-08T12:00:00Z"));
        assertThat(covered).isEqualTo(range("2024-05-08T10:15:00Z", "2024-05-08T11:00:00Z"));
        assertThat(covered.perHour(3)).isEqualTo(4.0);
    }

    @Test
    void anEmptyRangeHasNoRate() {
        // Asked at exactly a window boundary for a range starting there: nothing is covered yet.
        Instant now = Instant.parse("2024-05-08T10:00:00Z");
        TimeRange covered = new TimeRange(now, now.plus(HOUR)).coveredByWindows(HOUR, now);
        assertThat(covered.length()).isZero();
        assertThat(covered.perHour(0)).isZero();
    }
}
