package dev.panicwatch.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import dev.panicwatch.localstack.LocalStack;

@Command(name = "stack", mixinStandardHelpOptions = true,
        description = "Start a local Kafka broker and schema registry, print their addresses, run until Ctrl-C.")
final class StackCommand implements Callable<Integer> {

    @Option(names = "--data", paramLabel = "DIR",
            description = "Keep Kafka data and schemas in DIR across runs (default: a temporary folder, wiped on exit).")
    Path dataDir;

    @Option(names = "--fresh", description = "With --data: wipe the data in DIR before starting.")
    boolean fresh;

    @Override
    public Integer call() throws Exception {
        LocalStack.Options options = dataDir == null ? LocalStack.Options.ephemeral()
                : new LocalStack.Options(dataDir, !fresh, Map.of(), Duration.ofSeconds(90));
        System.err.println("Starting the local stack (Kafka broker and Apicurio schema registry)…");
        try (LocalStack stack = LocalStack.start(options)) {
            System.out.println("bootstrap.servers=" + stack.bootstrapServers());
            System.out.println("schema.registry.url=" + stack.schemaRegistryUrl());
            System.out.println("logs=" + stack.logDir());
            System.out.flush();
            System.err.println("Running; press Ctrl-C to stop.");
            new CountDownLatch(1).await();
        }
        return 0;
    }
}
