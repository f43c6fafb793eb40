package dev.panicwatch.streams.topology;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.panicwatch.schemas.PanicClass;

class PublishedPanicClassTest {

    @ParameterizedTest
    @EnumSource(dev.panicwatch.diagnosis.classify.PanicClass.class)
    void eachClassIsPublishedUnderItsOwnName(dev.panicwatch.diagnosis.classify.PanicClass classified) {
        // The counts store class names and the events carry the Avro symbol: both must say the same.
        assertThat(PublishedPanicClass.of(classified).name()).isEqualTo(classified.name());
    }

    @Test
    void everyPublishedClassIsOneTheClassifierProduces() {
        // A symbol added to PanicClass.avsc without a classifier class would never be published; make that a decision.
        assertThat(Arrays.stream(dev.panicwatch.diagnosis.classify.PanicClass.values()).map(PublishedPanicClass::of))
                .containsExactlyInAnyOrder(PanicClass.values());
    }
}
