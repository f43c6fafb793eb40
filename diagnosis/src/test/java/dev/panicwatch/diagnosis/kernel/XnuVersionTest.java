package dev.panicwatch.diagnosis.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XnuVersionTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "xnu-6153.121.2, xnu-6153.121.2, 6153",
            "'Darwin Kernel Version 19.5.0: Tue May 26; root:xnu-6153.121.2~2/RELEASE_X86_64', xnu-6153.121.2, 6153",
            "/Library/Caches/com.apple.xbs/Sources/xnu/xnu-3789.31.2/osfmk/x86_64/pmap.c:2724, xnu-3789.31.2, 3789",
            "root:xnu_development-7195.141.2~1/DEVELOPMENT_X86_64, xnu-7195.141.2, 7195",
            "12377.121.6, xnu-12377.121.6, 12377"})
    void reads_the_forms_reports_use(String text, String printed, int major) {
        XnuVersion version = XnuVersion.parse(text).orElseThrow();

        assertThat(version).hasToString(printed);
        assertThat(version.major()).isEqualTo(major);
    }

    @Test
    void text_without_a_version_gives_nothing() {
        assertThat(XnuVersion.parse("Darwin Kernel Version 19.5.0")).isEmpty();
        assertThat(XnuVersion.parse("")).isEmpty();
        assertThat(XnuVersion.parse(null)).isEmpty();
    }

    @Test
    void orders_numerically_not_as_text() {
        XnuVersion sierra = XnuVersion.parse("xnu-3789.31.2").orElseThrow();
        XnuVersion catalina = XnuVersion.parse("xnu-6153.121.2").orElseThrow();
        XnuVersion tahoe = XnuVersion.parse("xnu-12377.1.9").orElseThrow();
        XnuVersion catalinaUpdate = XnuVersion.parse("xnu-6153.141.1").orElseThrow();

        // As strings "12377" < "3789"; as numbers it is the newest.
        assertThat(List.of(tahoe, catalinaUpdate, sierra, catalina).stream().sorted().toList())
                .containsExactly(sierra, catalina, catalinaUpdate, tahoe);
    }

    @Test
    void vti_exists_from_3789() {
        assertThat(new XnuVersion(List.of(3788)).hasVti()).isFalse();
        assertThat(new XnuVersion(List.of(3789)).hasVti()).isTrue();
    }

    @Test
    void rejects_empty_and_negative_parts() {
        assertThatThrownBy(() -> new XnuVersion(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new XnuVersion(List.of(-1))).isInstanceOf(IllegalArgumentException.class);
    }
}
