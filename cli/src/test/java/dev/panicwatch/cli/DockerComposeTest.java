package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.schemas.Topics;
import dev.panicwatch.schemas.kafka.ClientSettings;
import dev.panicwatch.streams.config.PipelineSetting;
import dev.panicwatch.streams.query.QueryApiSettings;

/**
 * docker-compose.yml checked against the code, since no Docker engine runs here: every variable it sets is one the
 * service reads, ports and topic names agree with the code's defaults, images are pinned, Dockerfiles exist.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static Map<String, Object> services;

    @BeforeAll
    @SuppressWarnings("unchecked")
    static void load() throws IOException {
        try (InputStream in = Files.newInputStream(ROOT.resolve("docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml().load(in);
            services = (Map<String, Object>) compose.get("services");
        }
    }

    @Test
    void hasTheServicesUsersNeed() {
        assertThat(services).containsKeys("kafka", "schema-registry", "ingest", "streams", "replayer");
        assertThat(list(service("replayer").get("profiles"))).containsExactly("demo");
    }

    @Test
    void streamsServiceSetsOnlyWhatTheStreamsAppReads() {
        Set<String> pipeline = Arrays.stream(PipelineSetting.values()).map(PipelineSetting::environmentName)
                .collect(Collectors.toSet());
        pipeline.addAll(PipelineSetting.OTHER_ENVIRONMENT_NAMES);
        Set<String> kafka = new HashSet<>(StreamsConfig.configDef().names());
        kafka.addAll(ConsumerConfig.configNames());
        kafka.addAll(ProducerConfig.configNames());
        kafka.addAll(AdminClientConfig.configNames());
        assertEveryVariableIsRead("streams", pipeline, kafka);
        assertThat(environment("streams")).containsKeys("KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL",
                "KAFKA_STATE_DIR", QueryApiSettings.HOST_ENV);
    }

    @Test
    void ingestAndReplayerSetOnlyWhatTheCollectorsRead() {
        Set<String> own = Set.of(IngestHttpCommand.TOKEN_ENV, CollectorStateDirs.ENV);
        assertEveryVariableIsRead("ingest", own, ProducerConfig.configNames());
        assertEveryVariableIsRead("replayer", Set.of(), ProducerConfig.configNames());
    }

    @Test
    void kafkaServiceSetsRealBrokerSettings() {
        Set<String> broker = AbstractKafkaConfig.CONFIG_DEF.names();
        for (String name : environment("kafka").keySet()) {
            if (name.equals("CLUSTER_ID")) {
                continue; // read by the image's start script to format the log dir
            }
            assertThat(name).startsWith("KAFKA_");
            // The apache/kafka image turns KAFKA_LOG_DIRS into log.dirs (and __ into _, ___ into -).
            String property = name.substring(6).toLowerCase(Locale.ROOT)
                    .replace("___", "-").replace("__", "\u0000").replace('_', '.').replace('\u0000', '_');
            assertThat(broker).as("%s → %s is a broker setting", name, property).contains(property);
        }
    }

    @Test
    void portsAgreeWithTheServicesDefaults() {
        assertThat(list(service("ingest").get("ports"))).containsExactly(
                PanicReportReceiver.DEFAULT_PORT + ":" + PanicReportReceiver.DEFAULT_PORT);
        assertThat(list(service("ingest").get("command"))).containsSequence("--port",
                String.valueOf(PanicReportReceiver.DEFAULT_PORT));
        assertThat(list(service("streams").get("ports"))).containsExactly(
                QueryApiSettings.DEFAULT_PORT + ":" + QueryApiSettings.DEFAULT_PORT);
        assertThat(environment("streams").get(QueryApiSettings.PORT_ENV))
                .isEqualTo(String.valueOf(QueryApiSettings.DEFAULT_PORT));
        // Clients inside the network reach Kafka on the INTERNAL listener, the registry on its listener.
        assertThat(environment("kafka").get("KAFKA_ADVERTISED_LISTENERS").toString()).contains("INTERNAL://kafka:9092");
        for (String client : List.of("ingest", "streams", "replayer")) {
            assertThat(environment(client).get("KAFKA_BOOTSTRAP_SERVERS")).isEqualTo("kafka:9092");
            assertThat(environment(client).get("SCHEMA_REGISTRY_URL")).isEqualTo("http://schema-registry:8081");
        }
        assertThat(environment("schema-registry").get("SCHEMA_REGISTRY_LISTENERS")).isEqualTo("http://0.0.0.0:8081");
    }

    @Test
    void topicsCreatedAreThePipelinesTopics() {
        String script = String.join(" ", list(service("kafka-init").get("command")));
        Set<String> created = new HashSet<>();
        Matcher loop = Pattern.compile("for t in ([\\w\\- ]+);").matcher(script);
        assertThat(loop.find()).as("kafka-init creates topics in a loop").isTrue();
        created.addAll(Arrays.asList(loop.group(1).trim().split("\\s+")));
        Matcher single = Pattern.compile("--topic ([\\w\\-]+)").matcher(script);
        while (single.find()) {
            if (!single.group(1).startsWith("$")) {
                created.add(single.group(1));
            }
        }
        assertThat(created).containsExactlyInAnyOrder(Topics.PANIC_REPORTS, Topics.HOST_LOAD, Topics.REMEDIATIONS,
                Topics.DEAD_LETTERS);
        assertThat(script).contains("--topic remediations --partitions 3 --config cleanup.policy=compact");
    }

    @Test
    void imagesArePinnedAndKafkaMatchesTheClients() throws IOException {
        for (String name : services.keySet()) {
            Object image = service(name).get("image");
            if (image == null) {
                continue;
            }
            assertThat(image.toString()).as(name + " image has a tag").matches("[\\w./-]+:[\\w.-]+");
            assertThat(image.toString()).as(name + " image is pinned").doesNotEndWith(":latest");
        }
        Properties versions = new Properties();
        try (InputStream in = getClass().getResourceAsStream("/panicwatch-localstack.properties")) {
            versions.load(in);
        }
        assertThat(service("kafka").get("image")).isEqualTo("apache/kafka:" + versions.getProperty("kafka.version"));
    }

    @Test
    void everyBuiltServiceNamesAnExistingDockerfile() {
        int built = 0;
        for (String name : services.keySet()) {
            Object build = service(name).get("build");
            if (build instanceof Map<?, ?> b) {
                Path context = ROOT.resolve(String.valueOf(b.get("context")));
                assertThat(context.resolve(String.valueOf(b.get("dockerfile")))).isRegularFile();
                built++;
            }
        }
        assertThat(built).isGreaterThanOrEqualTo(2);
    }

    @Test
    void servicesTheOthersWaitForHaveHealthChecks() {
        for (String name : services.keySet()) {
            Object dependsOn = service(name).get("depends_on");
            if (dependsOn instanceof Map<?, ?> deps) {
                deps.forEach((dep, cond) -> {
                    String condition = String.valueOf(((Map<?, ?>) cond).get("condition"));
                    if (condition.equals("service_healthy")) {
                        assertThat(service(dep.toString())).as(dep + " has a healthcheck").containsKey("healthcheck");
                    }
                });
            }
        }
    }

    private static void assertEveryVariableIsRead(String service, Set<String> ownNames, Set<String> kafkaNames) {
        List<String> unread = new ArrayList<>();
        for (String name : environment(service).keySet()) {
            if (ownNames.contains(name)) {
                continue;
            }
            Map<String, Object> mapped = ClientSettings.fromEnvironment(Map.of(name, "x"));
            if (mapped.isEmpty()) {
                unread.add(name);
                continue;
            }
            String property = mapped.keySet().iterator().next();
            if (!property.equals("schema.registry.url") && !kafkaNames.contains(property)) {
                unread.add(name + " (→ " + property + ")");
            }
        }
        assertThat(unread).as("variables set on %s that it does not read", service).isEmpty();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> service(String name) {
        Object service = services.get(name);
        assertThat(service).as("service " + name).isNotNull();
        return (Map<String, Object>) service;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> environment(String name) {
        Object env = service(name).get("environment");
        return env == null ? Map.of() : (Map<String, Object>) env;
    }

    private static List<String> list(Object value) {
        if (value == null) {
            return List.of();
        }
        return ((List<?>) value).stream().map(String::valueOf).toList();
    }
}
