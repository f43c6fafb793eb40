package dev.panicwatch.cli;

import java.util.Map;

import picocli.CommandLine.Option;

import dev.panicwatch.kafka.KafkaConnection;

/**
 * The Kafka and registry address flags of every command that talks to Kafka; the environment fills in the rest. No
 * address has a default: a command not told where Kafka is says so (naming the flag and the variable).
 */
final class KafkaConnectionOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS). Every KAFKA_* variable is "
                    + "passed to the Kafka client (e.g. KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_JAAS_CONFIG).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Schema registry base URL (default: $SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    /** The environment the other settings are read from; tests replace it. */
    Map<String, String> environment = System.getenv();

    /** @throws IllegalArgumentException naming the flag and the variable to set when an address is missing */
    KafkaConnection connection() {
        return KafkaConnection.resolve(bootstrapServers, schemaRegistryUrl, environment);
    }
}
