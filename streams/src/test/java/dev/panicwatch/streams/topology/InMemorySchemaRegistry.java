package dev.panicwatch.streams.topology;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.avro.Schema;

import dev.panicwatch.kafka.registry.RegistrySettings;
import dev.panicwatch.kafka.registry.SchemaRegistryClient;
import dev.panicwatch.kafka.registry.SchemaRegistryException;

/**
 * An in-memory stand-in for the registry, for TopologyTestDriver tests only (pure unit tests of the topology's
 * logic; the real registry is used by the integration tests). Ids are global and one per distinct schema, like a
 * real registry's.
 */
public final class InMemorySchemaRegistry extends SchemaRegistryClient {

    public static final RegistrySettings SETTINGS = RegistrySettings.of("http://in-memory-registry.invalid");

    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private final Map<Integer, Schema> schemas = new ConcurrentHashMap<>();
    private final AtomicInteger next = new AtomicInteger(1);

    public InMemorySchemaRegistry() {
        super(SETTINGS);
    }

    @Override
    public int register(String subject, Schema schema) {
        return ids.computeIfAbsent(schema.toString(), s -> {
            int id = next.getAndIncrement();
            schemas.put(id, schema);
            return id;
        });
    }

    @Override
    public int lookup(String subject, Schema schema) {
        Integer id = ids.get(schema.toString());
        if (id == null) {
            throw new SchemaRegistryException("schema not registered under " + subject, 404);
        }
        return id;
    }

    @Override
    public Schema schemaById(int id) {
        Schema schema = schemas.get(id);
        if (schema == null) {
            throw new SchemaRegistryException("schema id " + id + " not found", 404);
        }
        return schema;
    }
}
