package dev.panicwatch.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;

import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(8, Duration.ofSeconds(1), Duration.ofSeconds(10),
            Duration.ofSeconds(5));

    @Test
    void waitsDoubleUpToTheCap() {
        // 1 s, 2 s, 4 s, 8 s, then 16 s capped to 10 s.
        assertThat(policy.delayAfter(1, Optional.empty())).isEqualTo(Duration.ofSeconds(1));
        assertThat(policy.delayAfter(2, Optional.empty())).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.delayAfter(4, Optional.empty())).isEqualTo(Duration.ofSeconds(8));
        assertThat(policy.delayAfter(5, Optional.empty())).isEqualTo(Duration.ofSeconds(10));
        assertThat(policy.delayAfter(60, Optional.empty())).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void retryAfterWinsButStaysUnderTheCap() {
        assertThat(policy.delayAfter(1, Optional.of(Duration.ofSeconds(7)))).isEqualTo(Duration.ofSeconds(7));
        assertThat(policy.delayAfter(1, Optional.of(Duration.ofHours(1)))).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void retryAfterIsSecondsOrAnHttpDate() {
        assertThat(HttpTarget.retryAfter("120")).contains(Duration.ofSeconds(120));
        assertThat(HttpTarget.retryAfter("Wed, 21 Oct 2015 07:28:00 GMT")).as("a date in the past: at once")
                .contains(Duration.ZERO);
        assertThat(HttpTarget.retryAfter("soon")).isEmpty();
        assertThat(HttpTarget.retryAfter("-3")).isEmpty();
    }
}
