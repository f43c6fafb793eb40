package dev.panicwatch.streams.topology;

import dev.panicwatch.schemas.HostLoadSample;

/** What the correlator sees of one VM, in arrival order: its panics and its host-load samples on one stream. */
sealed interface VmEvent {

    record Panic(ClassifiedPanic panic) implements VmEvent {
    }

    record Load(HostLoadSample sample) implements VmEvent {
    }
}
