package dev.panicwatch.ingest.replay;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A checked scenario: every line of its events.jsonl parsed, every panic file read.
 *
 * @param warnings lines that are published differently from how they were written (unknown fields ignored) or not at
 *                 all (a panic file without a panic, which a collector would reject too), one message each
 */
public record Scenario(Path folder, List<ScenarioEvent> events, List<String> warnings) {

    public Scenario {
        events = List.copyOf(events);
        warnings = List.copyOf(warnings);
    }

    /** The time of the last event: with the default shift it lands at "now". */
    public Instant latestTime() {
        return events.stream().map(ScenarioEvent::time).max(Instant::compareTo).orElseThrow();
    }

    public long count(Class<? extends ScenarioEvent> kind) {
        return events.stream().filter(kind::isInstance).count();
    }
}
