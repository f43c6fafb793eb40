package dev.panicwatch.streams.advice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EffectiveTimeoutTest {

    @Test
    void halfASecondShiftedByVti() {
        // DESIGN 2: vti 6 → 32 s, 8 → 128 s, 9 → 256 s, 10 → 512 s, 12 → 2048 s.
        assertThat(EffectiveTimeout.millis(6)).isEqualTo(32_000);
        assertThat(EffectiveTimeout.millis(8)).isEqualTo(128_000);
        assertThat(EffectiveTimeout.millis(9)).isEqualTo(256_000);
        assertThat(EffectiveTimeout.millis(10)).isEqualTo(512_000);
        assertThat(EffectiveTimeout.millis(12)).isEqualTo(2_048_000);
    }

    @Test
    void readableForms() {
        assertThat(EffectiveTimeout.format(500)).isEqualTo("500 ms");
        assertThat(EffectiveTimeout.format(32_000)).isEqualTo("32 s");
        assertThat(EffectiveTimeout.format(2_048_000)).isEqualTo("2048 s (34 min)");
        // vti 18: 500 ms × 262144 = 131072 s = 36.4 h.
        assertThat(EffectiveTimeout.format(EffectiveTimeout.millis(18))).isEqualTo("131072 s (36.4 h)");
    }
}
