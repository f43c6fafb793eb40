package dev.panicwatch.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.testcontainers.utility.DockerImageName;

class KafkaImageTest {

    private static final DockerImageName OFFICIAL = DockerImageName.parse("apache/kafka");

    @AfterEach
    void clearProperty() {
        System.clearProperty(KafkaImage.PROPERTY);
    }

    @Test
    void withoutThePropertyTheOfficialImageRuns() {
        assertThat(KafkaImage.configured().asCanonicalNameString()).isEqualTo("apache/kafka:4.4.0");
    }

    @Test
    void aBlankPropertyCountsAsUnset() {
        System.setProperty(KafkaImage.PROPERTY, "  ");
        assertThat(KafkaImage.configured().asCanonicalNameString()).isEqualTo("apache/kafka:4.4.0");
    }

    @Test
    void theStandInIsAcceptedWhereKafkaContainerWantsApacheKafka() {
        System.setProperty(KafkaImage.PROPERTY, KafkaImage.STAND_IN_REPOSITORY + ":4.4.0");
        DockerImageName image = KafkaImage.configured();
        assertThat(image.asCanonicalNameString()).isEqualTo("panicwatch-base/kafka:4.4.0");
        // KafkaContainer's constructor runs exactly this check and refuses any image that fails it.
        assertThat(image.isCompatibleWith(OFFICIAL)).isTrue();
        assertThat(DockerImageName.parse("panicwatch-base/kafka:4.4.0").isCompatibleWith(OFFICIAL)).isFalse();
    }
}
