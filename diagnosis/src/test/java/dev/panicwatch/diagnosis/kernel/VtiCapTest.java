package dev.panicwatch.diagnosis.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class VtiCapTest {

    @Test
    void the_kernel_caps_are_12_up_to_xnu_6153_and_when_unknown_and_18_above() {
        assertThat(VtiCap.XNU.forKernel((String) null)).isEqualTo(12);
        assertThat(VtiCap.XNU.forKernel("not a version")).isEqualTo(12);
        assertThat(VtiCap.XNU.forKernel("xnu-6153.141.1")).isEqualTo(12);
        assertThat(VtiCap.XNU.forKernel("xnu-6154")).isEqualTo(18);
        assertThat(VtiCap.XNU.forKernel("root:xnu-7195.60.75~1/RELEASE_X86_64")).isEqualTo(18);
    }

    @Test
    void configured_caps_follow_the_same_kernel_line() {
        VtiCap configured = new VtiCap(10, 14);

        assertThat(configured.forKernel(XnuVersion.parse("xnu-3789.31.2").orElseThrow())).isEqualTo(10);
        assertThat(configured.forKernel((XnuVersion) null)).isEqualTo(10);
        assertThat(configured.forKernel(XnuVersion.parse("xnu-8792.61.2").orElseThrow())).isEqualTo(14);
    }

    @Test
    void the_description_names_the_cap_and_its_reason() {
        assertThat(VtiCap.XNU.describe("xnu-6153.121.2")).isEqualTo("cap 12 on xnu ≤ 6153, where larger values wrap");
        assertThat(VtiCap.XNU.describe("xnu-7195.101.2"))
                .isEqualTo("cap 18 from xnu-7195 on, where the timeout saturates");
        assertThat(VtiCap.XNU.describe(null)).isEqualTo("cap 12 since the kernel version is unknown");
    }
}
