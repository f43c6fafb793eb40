package dev.panicwatch.ingest.host;

import java.util.concurrent.CompletableFuture;

import dev.panicwatch.schemas.HostLoadSample;

/** Where samples are delivered (Kafka in production). */
public interface SampleSink extends AutoCloseable {

    /**
     * Starts delivering one sample. The future completes when it is stored, or exceptionally when it was not; a
     * sink never throws from here, so a failure is always a failed future the publisher can retry.
     */
    CompletableFuture<Void> send(HostLoadSample sample);

    @Override
    void close();
}
