package dev.panicwatch.cli;

import picocli.CommandLine.Option;

import dev.panicwatch.ingest.publish.KafkaConnection;

/** The Kafka and registry address flags shared by the commands that publish; the environment fills in the rest. */
final class KafkaConnectionOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT[,...]",
            description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS). Every KAFKA_* variable is "
                    + "passed to the Kafka client (e.g. KAFKA_SECURITY_PROTOCOL, KAFKA_SASL_JAAS_CONFIG).")
    String bootstrapServers;

    @Option(names = "--schema-registry-url", paramLabel = "URL",
            description = "Schema registry base URL (default: $SCHEMA_REGISTRY_URL).")
    String schemaRegistryUrl;

    /** @throws IllegalArgumentException naming the flag to set when an address is missing */
    KafkaConnection connection() {
        return KafkaConnection.resolve(bootstrapServers, schemaRegistryUrl, System.getenv());
    }
}
