package dev.panicwatch.notify;

/** A place advice is sent to. One try per call; retrying is the caller's job ({@link TargetWorker}). */
interface Target extends AutoCloseable {

    Delivery send(AdviceMessage message);

    @Override
    default void close() {
    }
}
