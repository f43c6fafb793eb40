package dev.panicwatch.kafka;

import java.util.Map;
import java.util.TreeMap;

import dev.panicwatch.kafka.registry.RegistrySettings;

/**
 * Where a Panicwatch client connects: Kafka client settings and the schema registry, the one shape every command,
 * collector and the streams app build their clients from. Every {@code KAFKA_*} and {@code SCHEMA_REGISTRY_*}
 * environment variable passes through (SASL/SSL included, see {@link ClientSettings}); the
 * {@code --bootstrap-servers} and {@code --schema-registry-url} flags win over the environment. Neither address has
 * a default: a command that was not told where Kafka is says so instead of trying localhost.
 *
 * @param clientConfig Kafka client properties plus {@code schema.registry.url} (and the registry's other settings)
 */
public record KafkaConnection(Map<String, Object> clientConfig) {

    public static final String BOOTSTRAP_SERVERS = "bootstrap.servers";

    public KafkaConnection {
        clientConfig = Map.copyOf(clientConfig);
    }

    /**
     * Settings from the environment with the flags laid over them.
     *
     * @param bootstrapServers  the {@code --bootstrap-servers} flag, or null
     * @param schemaRegistryUrl the {@code --schema-registry-url} flag, or null
     * @throws IllegalArgumentException naming the flag and variable to set when either address is missing
     */
    public static KafkaConnection resolve(String bootstrapServers, String schemaRegistryUrl, Map<String, String> env) {
        Map<String, Object> config = new TreeMap<>(ClientSettings.fromEnvironment(env));
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            config.put(BOOTSTRAP_SERVERS, bootstrapServers.trim());
        }
        if (schemaRegistryUrl != null && !schemaRegistryUrl.isBlank()) {
            config.put(RegistrySettings.URL, schemaRegistryUrl.trim());
        }
        if (isBlank(config.get(BOOTSTRAP_SERVERS))) {
            throw new IllegalArgumentException("no Kafka address: pass --bootstrap-servers HOST:PORT or set "
                    + "KAFKA_BOOTSTRAP_SERVERS");
        }
        if (isBlank(config.get(RegistrySettings.URL))) {
            throw new IllegalArgumentException("no schema registry address: pass --schema-registry-url URL or set "
                    + "SCHEMA_REGISTRY_URL");
        }
        return new KafkaConnection(config);
    }

    /** Settings for a known broker and registry (the demo, the bench, tests). */
    public static KafkaConnection of(String bootstrapServers, String schemaRegistryUrl) {
        return resolve(bootstrapServers, schemaRegistryUrl, Map.of());
    }

    /** This connection with more client settings laid over it (an application id, a state folder). */
    public KafkaConnection with(Map<String, ?> more) {
        Map<String, Object> config = new TreeMap<>(clientConfig);
        config.putAll(more);
        return new KafkaConnection(config);
    }

    public String bootstrapServers() {
        return clientConfig.get(BOOTSTRAP_SERVERS).toString();
    }

    /**
     * The settings Kafka's own clients take: the registry's are left out, since they belong to the serde and Kafka
     * would log a warning about each unknown one.
     */
    public Map<String, Object> kafkaClientConfig() {
        Map<String, Object> config = new TreeMap<>();
        clientConfig.forEach((key, value) -> {
            if (!RegistrySettings.isRegistrySetting(key)) {
                config.put(key, value);
            }
        });
        return config;
    }

    private static boolean isBlank(Object value) {
        return value == null || value.toString().isBlank();
    }
}
