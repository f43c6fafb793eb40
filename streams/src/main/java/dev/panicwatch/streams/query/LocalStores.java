package dev.panicwatch.streams.query;

import org.apache.kafka.streams.state.QueryableStoreType;

/**
 * This instance's state stores, read-only. With a partition, only that partition's store: it fails (rather than
 * answering empty) when the partition is not active here, which is what keeps a moved key from reading as "no data".
 */
@FunctionalInterface
interface LocalStores {

    /**
     * @param partition the key's partition, or null for every partition active on this instance
     * @throws StoresUnavailableException      when the app is not RUNNING
     * @throws org.apache.kafka.streams.errors.InvalidStateStoreException when the store is migrating or restoring
     */
    <T> T store(String name, QueryableStoreType<T> type, Integer partition);
}
