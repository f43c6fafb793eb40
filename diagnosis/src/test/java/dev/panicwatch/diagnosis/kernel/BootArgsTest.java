package dev.panicwatch.diagnosis.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BootArgsTest {

    @Test
    void reads_named_numbers_in_decimal_and_hex() {
        assertThat(BootArgs.number("keepsyms=1 tlbto_us=0 vti=9", "tlbto_us")).hasValue(0);
        assertThat(BootArgs.number("-v debug=0x100", "debug")).hasValue(256);
    }

    @Test
    void a_name_must_match_the_whole_token_name() {
        // "slto_us" must not be read as "to_us", nor "novti" as "vti".
        assertThat(BootArgs.number("slto_us=5 novti=3", "to_us")).isEmpty();
        assertThat(BootArgs.number("slto_us=5 novti=3", "vti")).isEmpty();
    }

    @Test
    void vti_defaults_to_6_when_absent_or_not_a_number() {
        assertThat(BootArgs.currentVti(null)).isEqualTo(6);
        assertThat(BootArgs.currentVti("keepsyms=1")).isEqualTo(6);
        assertThat(BootArgs.currentVti("vti=")).isEqualTo(6);
        assertThat(BootArgs.currentVti("vti=99999999999")).isEqualTo(6);
        assertThat(BootArgs.currentVti("  keepsyms=1\tvti=10 ")).isEqualTo(10);
    }
}
