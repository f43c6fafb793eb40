package dev.panicwatch.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Apicurio Registry (the full 2.6.13 distribution, unpacked from Maven Central at build time) in a child JVM.
 * Its Confluent-compatible API is at {@code /apis/ccompat/v7}. Schemas are kept in memory, or in an H2 file in the
 * stack's data folder when the stack keeps its data, so that schema ids and Kafka records stay in step.
 */
public final class LocalSchemaRegistry implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalSchemaRegistry.class);
    static final String HOME_ENV = "PANICWATCH_APICURIO_HOME";

    private final int port;
    private final ChildJvm process;

    private LocalSchemaRegistry(int port, ChildJvm process) {
        this.port = port;
        this.process = process;
    }

    public static LocalSchemaRegistry start(Path dataDir, Path logDir, boolean persistent, Duration timeout)
            throws IOException {
        Path home = apicurioHome();
        Path runner;
        try (var files = Files.list(home)) {
            runner = files.filter(p -> p.getFileName().toString().endsWith("-runner.jar")).findFirst()
                    .orElseThrow(() -> new IOException("no *-runner.jar in " + home + "; rebuild with 'mvn -pl localstack package'"));
        }
        int port = FreePorts.next();
        Map<String, String> env = new HashMap<>();
        Path registryDir = dataDir.resolve("registry");
        Files.createDirectories(registryDir);
        if (persistent) {
            env.put("REGISTRY_DATASOURCE_URL", "jdbc:h2:file:" + registryDir.resolve("registry").toAbsolutePath());
        }
        ChildJvm child = ChildJvm.start("schema registry", registryDir, logDir.resolve("registry.log"),
                List.of("-Xms64m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                        "-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                        "-Dquarkus.log.console.color=false"),
                List.of("-jar", runner.toString()), env);
        LocalSchemaRegistry registry = new LocalSchemaRegistry(port, child);
        try {
            registry.awaitReady(timeout);
        } catch (IOException | RuntimeException e) {
            registry.close();
            throw e;
        }
        LOG.info("Schema registry up at {} (pid {}, {}, log {})", registry.url(), child.pid(),
                persistent ? "schemas in " + registryDir : "schemas in memory", child.logFile());
        return registry;
    }

    /** The Confluent-compatible base URL, the value for {@code schema.registry.url}. */
    public String url() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    public long pid() {
        return process.pid();
    }

    private void awaitReady(Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        HttpRequest probe = HttpRequest.newBuilder(URI.create(url() + "/subjects")).timeout(Duration.ofSeconds(2)).build();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("schema registry exited during start-up:\n" + process.logTail(30));
            }
            try {
                if (http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the schema registry", e);
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("schema registry did not answer within " + timeout.toSeconds()
                        + " s; last lines of " + process.logFile() + ":\n" + process.logTail(30));
            }
            LocalKafkaBroker.sleepQuietly(200);
        }
    }

    /** Where the Apicurio distribution is: $PANICWATCH_APICURIO_HOME, else where the build unpacked it. */
    static Path apicurioHome() throws IOException {
        String fromEnv = System.getenv(HOME_ENV);
        if (fromEnv != null && !fromEnv.isBlank()) {
            return Path.of(fromEnv);
        }
        Properties built = new Properties();
        try (InputStream in = LocalSchemaRegistry.class.getResourceAsStream("/panicwatch-localstack.properties")) {
            if (in == null) {
                throw new IOException("panicwatch-localstack.properties is missing from the class path; "
                        + "build with 'mvn package' or set " + HOME_ENV);
            }
            built.load(in);
        }
        Path home = Path.of(built.getProperty("apicurio.home"));
        if (!Files.isDirectory(home)) {
            throw new IOException("Apicurio Registry is not unpacked at " + home + "; run 'mvn -pl localstack package' "
                    + "or set " + HOME_ENV + " to an unpacked apicurio-registry-app distribution");
        }
        return home;
    }

    @Override
    public void close() {
        process.close();
    }
}
