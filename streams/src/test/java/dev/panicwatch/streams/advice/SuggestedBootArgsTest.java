package dev.panicwatch.streams.advice;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SuggestedBootArgsTest {

    @Test
    void seedsBootArgsBecomeTheSeedsFix() {
        assertThat(SuggestedBootArgs.withVti("keepsyms=1", 9, true)).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
    }

    @Test
    void emptyOrMissingBootArgsGetAllThree() {
        assertThat(SuggestedBootArgs.withVti(null, 9, true)).isEqualTo("keepsyms=1 tlbto_us=0 vti=9");
        assertThat(SuggestedBootArgs.withVti("   ", 8, false)).isEqualTo("keepsyms=1 vti=8");
    }

    @Test
    void existingValuesAreReplacedWhereTheyStandAndOthersKept() {
        assertThat(SuggestedBootArgs.withVti("-v vti=7 keepsyms=0 npci=0x2000 tlbto_us=500", 10, true))
                .isEqualTo("-v vti=10 keepsyms=1 npci=0x2000 tlbto_us=0");
    }

    @Test
    void tlbtoIsLeftAloneForOtherPanicsAndRepeatedVtiCollapses() {
        assertThat(SuggestedBootArgs.withVti("tlbto_us=0 vti=9 -no_compat_check vti=9", 12, false))
                .isEqualTo("tlbto_us=0 vti=12 -no_compat_check keepsyms=1");
    }
}
