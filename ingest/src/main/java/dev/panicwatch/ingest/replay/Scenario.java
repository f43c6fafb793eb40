package dev.panicwatch.ingest.replay;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** A checked scenario: every line of its events.jsonl parsed, every panic file read and known to hold a panic. */
public record Scenario(Path folder, List<ScenarioEvent> events) {

    public Scenario {
        events = List.copyOf(events);
    }

    /** The time of the last event: with the default shift it lands at "now". */
    public Instant latestTime() {
        return events.stream().map(ScenarioEvent::time).max(Instant::compareTo).orElseThrow();
    }

    public long count(Class<? extends ScenarioEvent> kind) {
        return events.stream().filter(kind::isInstance).count();
    }
}
