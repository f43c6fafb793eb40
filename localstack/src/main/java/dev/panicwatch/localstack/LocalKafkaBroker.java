package dev.panicwatch.localstack;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka broker in KRaft mode (broker and controller in one process), run from the
 * {@code kafka_2.13} artifact in a child JVM. The log folder is formatted once; a kept folder starts again with its
 * data.
 */
public final class LocalKafkaBroker implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalKafkaBroker.class);

    private final Path dataDir;
    private final int port;
    private final ChildJvm process;

    private LocalKafkaBroker(Path dataDir, int port, ChildJvm process) {
        this.dataDir = dataDir;
        this.port = port;
        this.process = process;
    }

    /**
     * Starts a broker whose data lives in {@code dataDir/kafka} and logs in {@code logDir/kafka.log}.
     *
     * @param extraServerProperties added to (or replacing) the defaults, e.g. a SASL listener for security tests
     */
    public static LocalKafkaBroker start(Path dataDir, Path logDir, Map<String, String> extraServerProperties,
                                         Duration timeout) throws IOException {
        return start(dataDir, logDir, extraServerProperties, timeout, FreePorts.next(), FreePorts.next());
    }

    /**
     * As {@link #start(Path, Path, Map, Duration)} on given ports: a broker restarted on a kept {@code dataDir} must
     * listen where its clients (and its own controller quorum) knew it, so a broker-restart test passes the ports of
     * the first start again.
     */
    public static LocalKafkaBroker start(Path dataDir, Path logDir, Map<String, String> extraServerProperties,
                                         Duration timeout, int port, int controllerPort) throws IOException {
        Path kafkaDir = dataDir.resolve("kafka");
        Path logsDir = kafkaDir.resolve("logs");
        Files.createDirectories(logsDir);

        Properties server = new Properties();
        server.setProperty("process.roles", "broker,controller");
        server.setProperty("node.id", "1");
        server.setProperty("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        server.setProperty("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        server.setProperty("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        server.setProperty("controller.listener.names", "CONTROLLER");
        server.setProperty("inter.broker.listener.name", "PLAINTEXT");
        server.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        server.setProperty("log.dirs", logsDir.toString());
        server.setProperty("num.partitions", "1");
        server.setProperty("offsets.topic.replication.factor", "1");
        server.setProperty("offsets.topic.num.partitions", "4");
        server.setProperty("transaction.state.log.replication.factor", "1");
        server.setProperty("transaction.state.log.min.isr", "1");
        server.setProperty("transaction.state.log.num.partitions", "4");
        server.setProperty("share.coordinator.state.topic.replication.factor", "1");
        server.setProperty("share.coordinator.state.topic.min.isr", "1");
        server.setProperty("group.initial.rebalance.delay.ms", "0");
        server.setProperty("auto.create.topics.enable", "false");
        // Retention and deleted records (Admin.deleteRecords) free their segments at the next retention check: every
        // 10 s instead of 5 min, so the bench's changelog bytes show what is kept, not what waits to be deleted.
        server.setProperty("log.retention.check.interval.ms", "10000");
        server.putAll(extraServerProperties);
        Path serverProperties = kafkaDir.resolve("server.properties");
        try (Writer out = Files.newBufferedWriter(serverProperties)) {
            server.store(out, "written by Panicwatch's local stack");
        }

        Path logFile = logDir.resolve("kafka.log");
        Path logbackConfig = writeLogbackConfig(logDir);
        List<String> jvm = List.of("-Xms128m", "-Xmx768m", "-XX:+UseG1GC",
                "-Dlogback.configurationFile=" + logbackConfig, "-cp", System.getProperty("java.class.path"));

        if (!Files.exists(logsDir.resolve("meta.properties"))) {
            try (ChildJvm format = ChildJvm.start("kafka storage format", kafkaDir, logFile, jvm,
                    List.of("kafka.tools.StorageTool", "format", "-t", Uuid.randomUuid().toString(),
                            "-c", serverProperties.toString()), Map.of())) {
                format.awaitSuccess(60);
            }
        }
        ChildJvm child = ChildJvm.start("kafka broker", kafkaDir, logFile, jvm,
                List.of("kafka.Kafka", serverProperties.toString()), Map.of());
        LocalKafkaBroker broker = new LocalKafkaBroker(kafkaDir, port, child);
        try {
            broker.awaitReady(timeout);
        } catch (IOException | RuntimeException e) {
            broker.close();
            throw e;
        }
        LOG.info("Kafka broker up at {} (pid {}, data {}, log {})", broker.bootstrapServers(), child.pid(),
                kafkaDir, logFile);
        return broker;
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public long pid() {
        return process.pid();
    }

    public Path dataDir() {
        return dataDir;
    }

    private void awaitReady(Duration timeout) throws IOException {
        Instant deadline = Instant.now().plus(timeout);
        Map<String, Object> config = Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(),
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                if (!process.isAlive()) {
                    throw new IOException("Kafka broker exited during start-up:\n" + process.logTail(30));
                }
                try {
                    admin.describeCluster().nodes().get(3, TimeUnit.SECONDS);
                    return;
                } catch (Exception notYet) {
                    if (Instant.now().isAfter(deadline)) {
                        throw new IOException("Kafka broker did not answer within " + timeout.toSeconds()
                                + " s; last lines of " + process.logFile() + ":\n" + process.logTail(30));
                    }
                    sleepQuietly(200);
                }
            }
        }
    }

    static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Path writeLogbackConfig(Path logDir) throws IOException {
        Path config = logDir.resolve("kafka-logback.xml");
        Files.writeString(config, """
                <configuration>
                  <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%%d{HH:mm:ss.SSS} %%-5level %%logger{36} - %%msg%%n</pattern></encoder>
                  </appender>
                  <logger name="kafka" level="INFO"/>
                  <logger name="org.apache.kafka" level="WARN"/>
                  <logger name="state.change.logger" level="WARN"/>
                  <root level="WARN"><appender-ref ref="OUT"/></root>
                </configuration>
                """.replace("%%", "%"));
        return config;
    }

    @Override
    public void close() {
        process.close();
    }
}
