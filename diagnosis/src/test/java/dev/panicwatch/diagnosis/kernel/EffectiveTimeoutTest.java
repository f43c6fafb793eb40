package dev.panicwatch.diagnosis.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EffectiveTimeoutTest {

    @Test
    void half_a_second_shifted_by_vti() {
        // docs/design.md#timeouts: vti 6 -> 32 s, 8 -> 128 s, 9 -> 256 s, 10 -> 512 s, 12 -> 2048 s.
        assertThat(EffectiveTimeout.millis(0)).isEqualTo(500);
        assertThat(EffectiveTimeout.millis(6)).isEqualTo(32_000);
        assertThat(EffectiveTimeout.millis(8)).isEqualTo(128_000);
        assertThat(EffectiveTimeout.millis(9)).isEqualTo(256_000);
        assertThat(EffectiveTimeout.millis(10)).isEqualTo(512_000);
        assertThat(EffectiveTimeout.millis(12)).isEqualTo(2_048_000);
    }

    @Test
    void a_vti_outside_the_formula_is_clamped_and_said_so() {
        assertThat(EffectiveTimeout.covers(-1)).isFalse();
        assertThat(EffectiveTimeout.covers(0)).isTrue();
        assertThat(EffectiveTimeout.covers(40)).isTrue();
        assertThat(EffectiveTimeout.covers(41)).isFalse();
        assertThat(EffectiveTimeout.millis(-3)).isEqualTo(500);
        // 500 ms x 2^40 = 549 755 813 888 000 ms; one more shift would be clamped to the same value.
        assertThat(EffectiveTimeout.millis(40)).isEqualTo(549_755_813_888_000L);
        assertThat(EffectiveTimeout.millis(63)).isEqualTo(549_755_813_888_000L);
    }

    @Test
    void readable_forms() {
        assertThat(EffectiveTimeout.format(500)).isEqualTo("500 ms");
        assertThat(EffectiveTimeout.format(32_000)).isEqualTo("32 s");
        assertThat(EffectiveTimeout.format(2_048_000)).isEqualTo("2048 s (34 min)");
        // vti 18: 500 ms x 262144 = 131072 s = 36.4 h.
        assertThat(EffectiveTimeout.format(EffectiveTimeout.millis(18))).isEqualTo("131072 s (36.4 h)");
    }
}
