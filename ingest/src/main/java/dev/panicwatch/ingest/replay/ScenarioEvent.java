package dev.panicwatch.ingest.replay;

import java.nio.file.Path;
import java.time.Instant;

import dev.panicwatch.ingest.panic.VmIdentity;
import dev.panicwatch.schemas.GuestState;
import dev.panicwatch.schemas.HostLoadSample;

/** One line of a scenario's {@code events.jsonl}, checked and ready to publish. */
public sealed interface ScenarioEvent permits ScenarioEvent.Load, ScenarioEvent.Panic,
        ScenarioEvent.Guest {

    /** Line number in events.jsonl (1-based), for messages. */
    int line();

    /** When it happened, as written in the scenario (before any shift). */
    Instant time();

    /** {@code {"type":"load", …}}: one host load sample. */
    record Load(int line, HostLoadSample sample) implements ScenarioEvent {
        @Override
        public Instant time() {
            return sample.getSampleTime();
        }
    }

    /**
     * {@code {"type":"panic", …}}: a panic report file of a VM; {@code time} is the panic time.
     *
     * @param file    as written, relative to the scenario folder
     * @param content the file's bytes
     */
    record Panic(int line, VmIdentity vm, Instant time, Path file, byte[] content) implements ScenarioEvent {
    }

    /**
     * {@code {"type":"guest", …}}: what a guest runs, as its agent would report it; {@code time} is the observation
     * time.
     */
    record Guest(int line, GuestState state) implements ScenarioEvent {
        @Override
        public Instant time() {
            return state.getObservedTime();
        }
    }
}
