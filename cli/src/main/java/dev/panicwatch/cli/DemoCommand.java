package dev.panicwatch.cli;

import java.util.concurrent.Callable;

import picocli.CommandLine.Command;

import dev.panicwatch.localstack.LocalStack;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole pipeline on the embedded stack with a bundled scenario and print the advice.")
final class DemoCommand implements Callable<Integer> {

    @Override
    public Integer call() throws Exception {
        System.err.println("Starting the local stack…");
        try (LocalStack stack = LocalStack.start(LocalStack.Options.ephemeral())) {
            System.err.println("Stack up: bootstrap.servers=" + stack.bootstrapServers() + " schema.registry.url="
                    + stack.schemaRegistryUrl());
            System.err.println("The topology is not wired into the demo yet; stopping.");
        }
        return 0;
    }
}
