package dev.panicwatch.kafka;

import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kafka client settings from the environment, the way containers are configured: {@code KAFKA_BOOTSTRAP_SERVERS}
 * becomes {@code bootstrap.servers}, {@code KAFKA_SASL_JAAS_CONFIG} becomes {@code sasl.jaas.config}, and
 * {@code SCHEMA_REGISTRY_URL} / {@code SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO} become the Confluent serde's
 * {@code schema.registry.url} / {@code basic.auth.user.info}. Every Kafka client setting (SASL, SSL included) thus
 * passes through without Panicwatch having to know it.
 */
public final class ClientSettings {

    public static final String KAFKA_PREFIX = "KAFKA_";
    public static final String REGISTRY_PREFIX = "SCHEMA_REGISTRY_";

    private ClientSettings() {
    }

    /** The Kafka and schema-registry settings named by {@code env}. */
    public static Map<String, Object> fromEnvironment(Map<String, String> env) {
        Map<String, Object> settings = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(KAFKA_PREFIX) && name.length() > KAFKA_PREFIX.length()) {
                settings.put(toProperty(name.substring(KAFKA_PREFIX.length())), value);
            } else if (name.startsWith(REGISTRY_PREFIX) && name.length() > REGISTRY_PREFIX.length()) {
                String rest = toProperty(name.substring(REGISTRY_PREFIX.length()));
                // SCHEMA_REGISTRY_URL -> schema.registry.url; SCHEMA_REGISTRY_BASIC_AUTH_USER_INFO -> basic.auth.user.info
                settings.put(rest.equals("url") ? "schema.registry.url" : rest, value);
            }
        });
        return settings;
    }

    /** {@code SASL_JAAS_CONFIG} → {@code sasl.jaas.config}. */
    public static String toProperty(String envSuffix) {
        return envSuffix.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** The environment variable that sets a Kafka client property: {@code sasl.mechanism} → {@code KAFKA_SASL_MECHANISM}. */
    public static String toEnvironmentName(String kafkaProperty) {
        return KAFKA_PREFIX + kafkaProperty.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
