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

    @Test
    void the_boot_args_of_the_worked_example_become_its_fix() {
        assertThat(BootArgs.withVti("keepsyms=1", 9, true)).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
    }

    @Test
    void empty_or_missing_boot_args_get_what_the_advice_needs() {
        assertThat(BootArgs.withVti(null, 9, true)).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(BootArgs.withVti("   ", 8, false)).isEqualTo("keepsyms=1 vti=8");
    }

    @Test
    void existing_values_are_replaced_where_they_stand_and_the_others_kept() {
        assertThat(BootArgs.withVti("-v vti=7 keepsyms=0 npci=0x2000 tlbto_us=500", 10, true))
                .isEqualTo("-v vti=10 keepsyms=1 npci=0x2000 tlbto_us=0");
    }

    @Test
    void tlbto_is_left_alone_unless_disabled_and_a_repeated_vti_collapses() {
        assertThat(BootArgs.withVti("tlbto_us=0 vti=9 -no_compat_check vti=9", 12, false))
                .isEqualTo("tlbto_us=0 vti=12 -no_compat_check keepsyms=1");
    }

    @Test
    void what_is_rewritten_reads_back_as_the_vti_set() {
        // The rewrite and the reading follow the same token rules: the kernel would see the new vti, not an old one.
        String rewritten = BootArgs.withVti("vti=7 -v vti=8", 11, false);
        assertThat(BootArgs.currentVti(rewritten)).isEqualTo(11);
        assertThat(BootArgs.number(rewritten, "keepsyms")).hasValue(1);
    }
}
