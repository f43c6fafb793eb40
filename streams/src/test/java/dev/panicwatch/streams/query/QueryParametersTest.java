package dev.panicwatch.streams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

class QueryParametersTest {

    private static final Instant NOW = Instant.parse("2024-05-08T12:30:00Z");
    private static final Duration HOUR = Duration.ofHours(1);
    private static final Duration WEEK = Duration.ofDays(7);
    private static final Set<String> ACCEPTED = Set.of("vm", "span", "from", "to", "top", "local");

    private static QueryParameters params(String... nameValues) {
        Map<String, List<String>> raw = new LinkedHashMap<>();
        for (int i = 0; i < nameValues.length; i += 2) {
            raw.computeIfAbsent(nameValues[i], k -> new java.util.ArrayList<>()).add(nameValues[i + 1]);
        }
        return new QueryParameters(raw, ACCEPTED);
    }

    @Test
    void noRangeMeansTheLast24Hours() {
        assertThat(params().range(NOW, HOUR, WEEK))
                .isEqualTo(new TimeRange(Instant.parse("2024-05-07T12:30:00Z"), NOW));
    }

    @Test
    void spanEndsNowOrAtTo() {
        assertThat(params("span", "PT6H").range(NOW, HOUR, WEEK))
                .isEqualTo(new TimeRange(Instant.parse("2024-05-08T06:30:00Z"), NOW));
        assertThat(params("span", "p1d", "to", "2024-05-08T10:00:00Z").range(NOW, HOUR, WEEK))
                .isEqualTo(new TimeRange(Instant.parse("2024-05-07T10:00:00Z"), Instant.parse("2024-05-08T10:00:00Z")));
    }

    @Test
    void fromAndToAreIsoTimesWithAnyOffset() {
        assertThat(params("from", "2024-05-08T10:00:00+02:00", "to", "2024-05-08T10:00:00Z").range(NOW, HOUR, WEEK))
                .isEqualTo(new TimeRange(Instant.parse("2024-05-08T08:00:00Z"), Instant.parse("2024-05-08T10:00:00Z")));
        // 'to' defaults to now.
        assertThat(params("from", "2024-05-08T10:00:00Z").range(NOW, HOUR, WEEK).to()).isEqualTo(NOW);
    }

    @Test
    void badRangesNameTheParameter() {
        assertBad(params("span", "yesterday"), "span", "ISO-8601 duration");
        assertBad(params("span", "PT0S"), "span", "positive");
        assertBad(params("span", "-PT2H"), "span", "positive");
        assertBad(params("span", "PT30M"), "span", "shorter than one window");
        assertBad(params("span", "P8D"), "span", "before what the stores keep");
        assertBad(params("span", "PT1H", "from", "2024-05-08T10:00:00Z"), "span", "not both");
        assertBad(params("from", "2024-05-08"), "from", "ISO-8601 time");
        assertBad(params("from", "2024-05-08T11:00:00Z", "to", "2024-05-08T10:00:00Z"), "from", "must be before");
        assertBad(params("from", "2024-05-09T11:00:00Z", "to", "2024-05-09T12:00:00Z"), "from", "future");
        assertBad(params("from", "2024-04-30T00:00:00Z"), "from", "before what the stores keep");
    }

    @Test
    void unknownRepeatedOrEmptyParametersAreRejected() {
        assertThatThrownBy(() -> params("spn", "PT1H")).isInstanceOf(BadParameterException.class)
                .hasMessageContaining("unknown parameter 'spn'")
                .extracting(e -> ((BadParameterException) e).parameter()).isEqualTo("spn");
        assertThatThrownBy(() -> params("vm", "a", "vm", "b")).isInstanceOf(BadParameterException.class)
                .hasMessageContaining("given 2 times");
        assertBadId(params("vm", "  "), "is empty");
        assertBadId(params(), "is required");
        assertBadId(params("vm", "x".repeat(257)), "longer than 256");
        assertBadId(params("vm", "pve1/10\n4"), "control characters");
    }

    @Test
    void vmIdsMayContainSlashes() {
        assertThat(params("vm", "pve1/104").id("vm")).isEqualTo("pve1/104");
    }

    @Test
    void topIsBounded() {
        assertThat(params().top(10, 1000)).isEqualTo(10);
        assertThat(params("top", "1").top(10, 1000)).isEqualTo(1);
        assertThat(params("top", "1000").top(10, 1000)).isEqualTo(1000);
        for (String bad : new String[] {"0", "-3", "1001", "ten", "2.5"}) {
            assertThatThrownBy(() -> params("top", bad).top(10, 1000)).isInstanceOf(BadParameterException.class)
                    .extracting(e -> ((BadParameterException) e).parameter()).isEqualTo("top");
        }
    }

    @Test
    void flagsAreTrueOrFalse() {
        assertThat(params().flag("local")).isFalse();
        assertThat(params("local", "TRUE").flag("local")).isTrue();
        assertThatThrownBy(() -> params("local", "yes").flag("local")).isInstanceOf(BadParameterException.class);
    }

    private static void assertBad(QueryParameters p, String parameter, String message) {
        assertThatThrownBy(() -> p.range(NOW, HOUR, WEEK)).isInstanceOf(BadParameterException.class)
                .hasMessageContaining(message)
                .extracting(e -> ((BadParameterException) e).parameter()).isEqualTo(parameter);
    }

    private static void assertBadId(QueryParameters p, String message) {
        assertThatThrownBy(() -> p.id("vm")).isInstanceOf(BadParameterException.class).hasMessageContaining(message);
    }
}
