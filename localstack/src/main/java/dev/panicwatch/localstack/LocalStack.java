package dev.panicwatch.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default: a real Kafka broker and a real schema registry on loopback, started together and stopped
 * together. Kafka records and registry schemas live and die together: a kept data folder keeps both (the registry on
 * an H2 file), a temporary one is wiped with both, because records whose schema ids the registry has forgotten could
 * not be read again.
 *
 * <p>Stopped by {@link #close()}, by a JVM shutdown hook (Ctrl-C), and, should this JVM be killed, by each child's
 * parent watchdog.
 */
public final class LocalStack implements AutoCloseable {

    /** The environment variables this module reads (where an unpacked Apicurio Registry lives). */
    public static final java.util.Set<String> ENVIRONMENT_NAMES = java.util.Set.of(LocalSchemaRegistry.HOME_ENV);

    private static final Logger LOG = LoggerFactory.getLogger(LocalStack.class);

    private final Path dataDir;
    private final boolean keepData;
    private final boolean temporary;
    private final LocalKafkaBroker kafka;
    private final LocalSchemaRegistry registry;
    private final Thread shutdownHook;
    private volatile boolean closed;

    /**
     * @param dataDir               folder for data and logs; null for a fresh temporary folder
     * @param keepData              keep the data on close (and reuse it on the next start); ignored for a temporary folder
     * @param extraServerProperties extra broker settings, e.g. listeners for a SASL test; usually empty
     * @param timeout               how long each part may take to answer
     */
    public record Options(Path dataDir, boolean keepData, Map<String, String> extraServerProperties, Duration timeout) {
        public static Options ephemeral() {
            return new Options(null, false, Map.of(), Duration.ofSeconds(90));
        }

        public static Options kept(Path dataDir) {
            return new Options(dataDir, true, Map.of(), Duration.ofSeconds(90));
        }
    }

    private LocalStack(Path dataDir, boolean keepData, boolean temporary, LocalKafkaBroker kafka,
                       LocalSchemaRegistry registry) {
        this.dataDir = dataDir;
        this.keepData = keepData;
        this.temporary = temporary;
        this.kafka = kafka;
        this.registry = registry;
        this.shutdownHook = new Thread(this::close, "local-stack-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    public static LocalStack start(Options options) throws IOException {
        boolean temporary = options.dataDir() == null;
        Path dataDir = temporary ? Files.createTempDirectory("panicwatch-stack-") : options.dataDir().toAbsolutePath();
        boolean keep = !temporary && options.keepData();
        Files.createDirectories(dataDir);
        if (!keep) {
            wipe(dataDir.resolve("kafka"));
            wipe(dataDir.resolve("registry"));
        }
        checkDataConsistent(dataDir);
        Path logDir = dataDir.resolve("logs");
        Files.createDirectories(logDir);

        // Both take a few seconds to start; start them side by side.
        CompletableFuture<LocalSchemaRegistry> registry = CompletableFuture.supplyAsync(() -> {
            try {
                return LocalSchemaRegistry.start(dataDir, logDir, keep, options.timeout());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        LocalKafkaBroker kafka;
        try {
            kafka = LocalKafkaBroker.start(dataDir, logDir, options.extraServerProperties(), options.timeout());
        } catch (IOException | RuntimeException e) {
            registry.thenAccept(LocalSchemaRegistry::close);
            throw e;
        }
        try {
            LocalStack stack = new LocalStack(dataDir, keep, temporary, kafka, registry.join());
            LOG.info("Local stack ready: bootstrap.servers={} schema.registry.url={} (data {}{})",
                    kafka.bootstrapServers(), stack.schemaRegistryUrl(), dataDir, keep ? ", kept" : ", wiped on stop");
            return stack;
        } catch (CompletionException e) {
            kafka.close();
            if (e.getCause() instanceof UncheckedIOException io) {
                throw io.getCause();
            }
            throw e;
        }
    }

    public String bootstrapServers() {
        return kafka.bootstrapServers();
    }

    public String schemaRegistryUrl() {
        return registry.url();
    }

    public Path dataDir() {
        return dataDir;
    }

    public Path logDir() {
        return dataDir.resolve("logs");
    }

    /** Process ids of the broker and the registry, for tests that check nothing is left behind. */
    public long[] pids() {
        return new long[] {kafka.pid(), registry.pid()};
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException alreadyShuttingDown) {
            // called from the hook itself
        }
        registry.close();
        kafka.close();
        if (!keepData) {
            try {
                // A temporary folder goes whole; a named one keeps its logs for whoever wants to read them.
                if (temporary) {
                    wipe(dataDir);
                } else {
                    wipe(dataDir.resolve("kafka"));
                    wipe(dataDir.resolve("registry"));
                }
            } catch (IOException e) {
                LOG.warn("could not delete {}: {}", dataDir, e.getMessage());
            }
        }
        LOG.info("Local stack stopped{}", keepData ? " (data kept in " + dataDir + ")" : "");
    }

    private static void checkDataConsistent(Path dataDir) throws IOException {
        boolean hasKafka = Files.exists(dataDir.resolve("kafka/logs/meta.properties"));
        boolean hasRegistry = Files.exists(dataDir.resolve("registry/registry.mv.db"));
        if (hasKafka != hasRegistry) {
            throw new IOException("data folder " + dataDir + " holds " + (hasKafka ? "Kafka data but no registry data"
                    : "registry data but no Kafka data") + "; records and their schemas must be kept together. "
                    + "Delete the folder (or start with --fresh) to begin again.");
        }
    }

    static void wipe(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }
}
