package dev.panicwatch.notify;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import dev.panicwatch.streams.config.InvalidSettingException;

/**
 * The notifier's YAML configuration file (format in docs/notify.md). Kafka and the registry are not in it: they come
 * from the same {@code KAFKA_*} / {@code SCHEMA_REGISTRY_*} variables as every other Panicwatch command.
 *
 * @param groupId        the consumer group; its committed offsets are where a restarted notifier goes on
 * @param startFrom      where a group without committed offsets starts: only new advice, or the whole topic
 * @param dashboardUrl   the link in every message; {@code {vm}} and {@code {host}} are filled in
 * @param metricsBind    the address of {@code /metrics} and {@code /health}
 * @param metricsPort    their port (0: any free port)
 * @param maxInFlight    events read but not yet taken by every target, before reading pauses
 */
public record NotifierConfig(String groupId, StartFrom startFrom, String dashboardUrl, String metricsBind, int metricsPort,
                      int maxInFlight, List<TargetSettings> targets) {

    public enum StartFrom { LATEST, EARLIEST }

    /** @throws InvalidSettingException naming the file, the key and the problem */
    public static NotifierConfig load(Path file, Map<String, String> env) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidSettingException(file + ": no such file (see docs/notify.md for an example)");
        } catch (IOException e) {
            throw new InvalidSettingException(file + ": cannot read it: " + e.getMessage());
        }
        return parse(file.toString(), text, env);
    }

    static NotifierConfig parse(String fileName, String text, Map<String, String> env) {
        Object document;
        try (Reader reader = new java.io.StringReader(text)) {
            document = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
        } catch (MarkedYAMLException e) {
            throw new InvalidSettingException(fileName + ": not valid YAML at line "
                    + (e.getProblemMark().getLine() + 1) + ", column " + (e.getProblemMark().getColumn() + 1) + ": "
                    + e.getProblem());
        } catch (YAMLException | IOException e) {
            throw new InvalidSettingException(fileName + ": not valid YAML: " + e.getMessage());
        }
        if (!(document instanceof Map<?, ?> map)) {
            throw new InvalidSettingException(fileName + ": expected a mapping with at least 'targets:', got "
                    + (document == null ? "an empty file" : "'" + document + "'"));
        }
        ConfigNode root = new ConfigNode(fileName, "", map);
        RetryPolicy retry = root.section("retry").map(r -> RetryPolicy.read(r, RetryPolicy.DEFAULT))
                .orElse(RetryPolicy.DEFAULT);
        ConfigNode metrics = root.section("metrics").orElse(new ConfigNode(fileName, "metrics", Map.of()));
        String bind = metrics.string("bind").orElse("0.0.0.0");
        int port = metrics.integer("port", 0, 65535).orElse(9465);
        metrics.refuseUnknownKeys();
        List<ConfigNode> targetNodes = root.sections("targets");
        if (targetNodes.isEmpty()) {
            throw root.invalid("targets", "is required: at least one target (webhook, slack, ntfy, gotify or smtp)");
        }
        List<TargetSettings> targets = targetNodes.stream().map(t -> TargetSettings.read(t, retry, env)).toList();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < targets.size(); i++) {
            if (!names.add(targets.get(i).name())) {
                throw new InvalidSettingException(fileName + ": targets[" + i + "].name: '" + targets.get(i).name()
                        + "' is used by an earlier target; names must be unique");
            }
        }
        NotifierConfig config = new NotifierConfig(root.string("groupId").orElse("panicwatch-notify"),
                root.choice("startFrom", StartFrom.class).orElse(StartFrom.LATEST),
                root.string("dashboardUrl").orElse("http://localhost:8080/"), bind, port,
                root.integer("maxInFlight", 1, 1_000_000).orElse(1000), targets);
        root.refuseUnknownKeys();
        return config;
    }

    /** One line per target: what it is, where it sends, what it lets through (secrets left out). */
    public List<String> describeTargets() {
        return targets.stream().map(t -> t.name() + ": " + t.kind().name().toLowerCase(java.util.Locale.ROOT) + " -> "
                + t.url().map(Object::toString).orElseGet(() -> t.mail().map(m -> "smtp://" + m.host() + ":" + m.port()
                + " to " + String.join(", ", m.to())).orElse("?"))
                + (t.filter().equals(AdviceFilter.ALL) ? "" : "; filter " + t.filter().describe())
                + "; " + t.retry().attempts() + " tries").toList();
    }
}
