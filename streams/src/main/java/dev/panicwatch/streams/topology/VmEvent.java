package dev.panicwatch.streams.topology;

import dev.panicwatch.streams.advice.PanicFacts;

/** What the correlator sees of one VM, in arrival order: its panics and its host-load samples on one stream. */
sealed interface VmEvent {

    record Panic(PanicFacts facts) implements VmEvent {
    }

    record Load(EncodedLoadSample sample) implements VmEvent {
    }
}
