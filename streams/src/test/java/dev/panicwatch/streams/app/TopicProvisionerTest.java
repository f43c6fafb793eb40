package dev.panicwatch.streams.app;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicProvisionerTest {

    @Test
    void differentPartitionCountsAreRefusedWithBothCountsNamed() {
        assertThatThrownBy(() -> TopicProvisioner.requireCoPartitioned(6, 3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("panic-reports has 6 partitions but host-load has 3")
                .hasMessageContaining("--partitions 6");
    }

    @Test
    void equalCountsPass() {
        assertThatCode(() -> TopicProvisioner.requireCoPartitioned(3, 3)).doesNotThrowAnyException();
    }
}
