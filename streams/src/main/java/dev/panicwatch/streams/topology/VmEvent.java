package dev.panicwatch.streams.topology;

/** What the correlator sees of one VM, in arrival order: its panics and its host-load samples on one stream. */
sealed interface VmEvent {

    record Panic(ClassifiedPanic panic) implements VmEvent {
    }

    record Load(EncodedLoadSample sample) implements VmEvent {
    }
}
