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
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.server.config.AbstractKafkaConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

import dev.panicwatch.ingest.panic.http.PanicReportReceiver;
import dev.panicwatch.kafka.ClientSettings;
import dev.panicwatch.streams.app.TopicProvisioner;
import dev.panicwatch.streams.config.PipelineSetting;
import dev.panicwatch.streams.config.QueryApiSettings;
import dev.panicwatch.testkit.KafkaImage;

/**
 * docker-compose.yml checked against the code and the docs without a Docker engine (deploy/compose/check runs it for
 * real): every variable it sets is one the service reads, ports and topics agree with the code, images are pinned,
 * and none of the mistakes it once shipped with (a healthcheck that needs bash, a port README uses but compose does
 * not publish, two builds of one tag, no restart policy, `:?` tokens) can come back unseen.
 */
class DockerComposeTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    private static Map<String, Object> services;
    private static Map<String, Object> overrideServices;

    @BeforeAll
    static void load() throws IOException {
        services = servicesOf(Files.readString(ROOT.resolve("docker-compose.yml")));
        overrideServices = servicesOf(Files.readString(ROOT.resolve("deploy/compose/local-images.yml")));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> servicesOf(String composeFile) {
        Map<String, Object> compose = new Yaml().load(composeFile);
        return (Map<String, Object>) compose.get("services");
    }

    private static Map<String, Object> yaml(String services) {
        return new Yaml().load(services);
    }

    /** What README and docs/ tell users to type. */
    private static String documentation() throws IOException {
        StringBuilder all = new StringBuilder(Files.readString(ROOT.resolve("README.md")));
        try (var pages = Files.list(ROOT.resolve("docs"))) {
            for (Path page : pages.filter(p -> p.toString().endsWith(".md")).sorted().toList()) {
                all.append('\n').append(Files.readString(page));
            }
        }
        return all.toString();
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
        pipeline.addAll(PanicwatchVariables.NOT_PIPELINE_SETTINGS);
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
    void kafkaInitCreatesExactlyTheTopicsTopicProvisionerDefines() {
        int partitions = Integer.parseInt(environment("streams").get("PANICWATCH_TOPIC_PARTITIONS").toString());
        Map<String, String> expected = new TreeMap<>();
        for (NewTopic topic : TopicProvisioner.definitions(partitions, partitions, Optional.empty())) {
            expected.put(topic.name(), describe(topic.numPartitions(),
                    topic.configs() == null ? Map.of() : topic.configs()));
        }
        Map<String, String> created = new TreeMap<>();
        Pattern create = Pattern.compile("^create --topic ([\\w.-]+) --partitions (\\d+)((?: --config [\\w.]+=\\S+)*)$");
        for (String line : String.join("\n", list(service("kafka-init").get("command"))).split("\n")) {
            Matcher m = create.matcher(line.trim());
            if (m.matches()) {
                Map<String, String> configs = new TreeMap<>();
                for (String c : m.group(3).trim().split("\\s*--config\\s+")) {
                    if (!c.isBlank()) {
                        configs.put(c.substring(0, c.indexOf('=')), c.substring(c.indexOf('=') + 1));
                    }
                }
                created.put(m.group(1), describe(Integer.parseInt(m.group(2)), configs));
            } else if (line.contains("--topic")) {
                throw new AssertionError("kafka-init line this test cannot read, so cannot check: " + line);
            }
        }
        assertThat(created).as("kafka-init's topics against TopicProvisioner.definitions").isEqualTo(expected);
    }

    private static String describe(int partitions, Map<String, String> configs) {
        return partitions + " partitions " + new TreeMap<>(configs);
    }

    @Test
    void healthchecksRunWithoutAShell() {
        assertThat(ComposeRules.shellDependentHealthchecks(services)).isEmpty();
        assertThat(ComposeRules.shellDependentHealthchecks(overrideServices)).isEmpty();
    }

    @Test
    void shellDependentHealthchecksAreCaught() {
        // The healthcheck the file shipped with: bash's /dev/tcp under CMD-SHELL, which runs /bin/sh (dash).
        Map<String, Object> shipped = yaml("""
                ingest:
                  healthcheck:
                    test: ["CMD-SHELL", "exec 3<>/dev/tcp/127.0.0.1/8088 && grep -q '200' <&3"]
                streams:
                  healthcheck:
                    test: "curl -f http://127.0.0.1:8080/health"
                kafka:
                  healthcheck:
                    test: ["CMD", "/opt/kafka/bin/kafka-broker-api-versions.sh", "--bootstrap-server", "localhost:9092"]
                """);
        assertThat(ComposeRules.shellDependentHealthchecks(shipped)).hasSize(2)
                .anyMatch(problem -> problem.startsWith("ingest"))
                .anyMatch(problem -> problem.startsWith("streams"));
    }

    @Test
    void theProjectImageHasWhatItsHealthchecksRun() throws IOException {
        String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
        for (String name : List.of("ingest", "streams")) {
            List<String> test = list(((Map<?, ?>) service(name).get("healthcheck")).get("test"));
            assertThat(test.get(1)).isEqualTo("curl");
            assertThat(test).as("curl -f: a status of 400 or more fails the check").contains("-fsS");
        }
        assertThat(dockerfile).as("the runtime stage makes sure of curl").contains("install -y").contains("curl");
    }

    @Test
    void theTlsOverrideProbesHealthOverHttps() throws IOException {
        // Once a port speaks TLS only, a plain-HTTP probe (or one that only opens the port) says nothing of readiness.
        Map<String, Object> tls = servicesOf(Files.readString(ROOT.resolve("deploy/compose/tls.yml")));
        assertThat(ComposeRules.shellDependentHealthchecks(tls)).isEmpty();
        for (var service : Map.of("ingest", 8088, "streams", 8080).entrySet()) {
            List<String> test = list(((Map<?, ?>) ((Map<?, ?>) tls.get(service.getKey())).get("healthcheck")).get("test"));
            assertThat(test).as(service.getKey()).startsWith("CMD", "curl").contains("-fsSk")
                    .endsWith("https://127.0.0.1:" + service.getValue() + "/health");
        }
    }

    @Test
    void everyPortTheDocsSendUsersToIsPublished() throws IOException {
        assertThat(ComposeRules.unpublishedDocumentedPorts(services, documentation())).isEmpty();
    }

    @Test
    void unpublishedDocumentedPortsAreCaught() {
        // As shipped: the registry listened on 8081 inside the network only, while README's consumers use it.
        Map<String, Object> shipped = yaml("""
                schema-registry:
                  environment:
                    SCHEMA_REGISTRY_LISTENERS: http://0.0.0.0:8081
                streams:
                  ports: ["8080:8080"]
                """);
        assertThat(ComposeRules.unpublishedDocumentedPorts(shipped,
                "open http://localhost:8080/ and use --schema-registry-url http://localhost:8081"))
                .containsExactly("localhost:8081");
    }

    @Test
    void eachImageTagIsBuiltByOneServiceAtMost() {
        assertThat(ComposeRules.tagsBuiltTwice(services)).isEmpty();
    }

    @Test
    void twoBuildsOfOneTagAreCaught() {
        Map<String, Object> shipped = yaml("""
                ingest:
                  build: {context: ., dockerfile: Dockerfile}
                  image: panicwatch:0.1.0
                streams:
                  image: panicwatch:0.1.0
                  build: {context: ., dockerfile: Dockerfile}
                replayer:
                  image: panicwatch:0.1.0
                """);
        assertThat(ComposeRules.tagsBuiltTwice(shipped)).containsExactly("panicwatch:0.1.0 is built by [ingest, streams]");
    }

    @Test
    void longRunningServicesComeBackAfterARebootOrACrash() {
        for (String name : List.of("kafka", "schema-registry", "ingest", "streams")) {
            assertThat(service(name).get("restart")).as(name + " restart policy").isEqualTo("unless-stopped");
        }
        for (String oneShot : List.of("kafka-init", "replayer")) {
            assertThat(service(oneShot).get("restart")).as(oneShot + " runs once").isEqualTo("no");
        }
    }

    @Test
    void tokensAreRequiredByTheServicesNotByInterpolation() throws IOException {
        // A required-variable form fails every compose command, down/logs/ps included, in a shell without VAR.
        assertThat(Files.readString(ROOT.resolve("docker-compose.yml"))).doesNotContain(":?");
        assertThat(environment("ingest").get(IngestHttpCommand.TOKEN_ENV)).isEqualTo("${PANICWATCH_INGEST_TOKEN:-}");
        assertThat(environment("streams").get(QueryApiSettings.TOKEN_ENV)).isEqualTo("${PANICWATCH_API_TOKEN:-}");
        // The receiver refuses an empty token on its own; the streams app is told to.
        assertThat(list(service("streams").get("command"))).contains("--require-api-token");
    }

    @Test
    void theOverrideSwapsOnlyThirdPartyImagesAndTheRegistryPath() {
        for (var entry : overrideServices.entrySet()) {
            String name = entry.getKey();
            Map<?, ?> override = (Map<?, ?>) entry.getValue();
            assertThat(services).as("override names a service of docker-compose.yml").containsKey(name);
            boolean project = String.valueOf(service(name).get("image")).startsWith("panicwatch:");
            if (project) {
                assertThat(override.keySet().stream().map(String::valueOf).toList())
                        .as(name + " is the project's: only its environment may change").containsOnly("environment");
                assertThat(((Map<?, ?>) override.get("environment")).keySet().stream().map(String::valueOf).toList())
                        .containsOnly("SCHEMA_REGISTRY_URL");
                assertThat(((Map<?, ?>) override.get("environment")).get("SCHEMA_REGISTRY_URL"))
                        .isEqualTo(environment(name).get("SCHEMA_REGISTRY_URL") + "/apis/ccompat/v7");
            } else {
                assertThat(override.get("image")).as(name + " gets a stand-in image").isNotNull()
                        .isNotEqualTo(service(name).get("image"));
            }
        }
        assertThat(overrideServices).containsKeys("kafka", "kafka-init", "schema-registry");
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
        assertThat(((Map<?, ?>) overrideServices.get("kafka")).get("image"))
                .isEqualTo(KafkaImage.STAND_IN_REPOSITORY + ":" + versions.getProperty("kafka.version"));
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
        assertThat(built).as("one service builds the project image, the others run its tag").isEqualTo(1);
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
