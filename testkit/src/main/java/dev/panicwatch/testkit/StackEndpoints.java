package dev.panicwatch.testkit;

import java.util.HashMap;
import java.util.Map;

/** Where the shared test stack listens; injected into integration-test methods and constructors. */
public record StackEndpoints(String bootstrapServers, String schemaRegistryUrl) {

    /** Client settings for both, the starting point of every test's producer, consumer or streams config. */
    public Map<String, Object> clientConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", bootstrapServers);
        config.put("schema.registry.url", schemaRegistryUrl);
        return config;
    }
}
