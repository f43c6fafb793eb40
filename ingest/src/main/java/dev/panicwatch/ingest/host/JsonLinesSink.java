package dev.panicwatch.ingest.host;

import java.io.PrintStream;
import java.util.concurrent.CompletableFuture;

import dev.panicwatch.schemas.HostLoadSample;

/** Writes each sample as one JSON line (see {@link SampleJson}) instead of publishing it: {@code --json}. */
public final class JsonLinesSink implements SampleSink {

    private final PrintStream out;

    public JsonLinesSink(PrintStream out) {
        this.out = out;
    }

    @Override
    public synchronized CompletableFuture<Void> send(HostLoadSample sample) {
        out.println(SampleJson.toJson(sample));
        if (out.checkError()) {
            return CompletableFuture.failedFuture(new IllegalStateException("cannot write to standard output"));
        }
        return CompletableFuture.completedFuture(null);
    }

    @Override
    public void close() {
        out.flush();
    }
}
