package dev.panicwatch.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

import dev.panicwatch.localstack.LocalSchemaRegistry;
import dev.panicwatch.localstack.LocalStack;

/**
 * Starts one stack for the whole test run (kept in the root context's store, closed when the run ends) and
 * resolves {@link StackEndpoints} parameters. By default the local broker and registry processes; with
 * {@code -Dpanicwatch.testcontainers=true} the broker is Testcontainers' {@code apache/kafka} image instead, for
 * machines with Docker ({@code -Dpanicwatch.kafkaImage=...} names another image, see {@link KafkaImage}). The tests
 * cannot tell the difference.
 */
public final class SharedStackExtension implements ParameterResolver {

    private static final Logger LOG = LoggerFactory.getLogger(SharedStackExtension.class);
    public static final String TESTCONTAINERS_PROPERTY = "panicwatch.testcontainers";

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == StackEndpoints.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(RunningStack.class, k -> RunningStack.start(), RunningStack.class)
                .endpoints();
    }

    /** The stack of this run; JUnit closes it when the root context closes, at the end of the run. */
    static final class RunningStack implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        private final AutoCloseable[] parts;
        private final StackEndpoints endpoints;

        private RunningStack(StackEndpoints endpoints, AutoCloseable... parts) {
            this.endpoints = endpoints;
            this.parts = parts;
        }

        static RunningStack start() {
            try {
                if (Boolean.getBoolean(TESTCONTAINERS_PROPERTY)) {
                    DockerImageName image = KafkaImage.configured();
                    KafkaContainer kafka = new KafkaContainer(image);
                    kafka.start();
                    Path dir = Files.createTempDirectory("panicwatch-registry-");
                    LocalSchemaRegistry registry = LocalSchemaRegistry.start(dir, dir, false, Duration.ofSeconds(90));
                    LOG.info("test stack: Testcontainers Kafka {} at {}", image, kafka.getBootstrapServers());
                    return new RunningStack(new StackEndpoints(kafka.getBootstrapServers(), registry.url()),
                            kafka::stop, registry);
                }
                LocalStack stack = LocalStack.start(LocalStack.Options.ephemeral());
                return new RunningStack(new StackEndpoints(stack.bootstrapServers(), stack.schemaRegistryUrl()), stack);
            } catch (IOException e) {
                throw new UncheckedIOException("could not start the test stack (see its logs): " + e.getMessage(), e);
            }
        }

        StackEndpoints endpoints() {
            return endpoints;
        }

        @Override
        public void close() throws Exception {
            for (AutoCloseable part : parts) {
                part.close();
            }
        }
    }
}
