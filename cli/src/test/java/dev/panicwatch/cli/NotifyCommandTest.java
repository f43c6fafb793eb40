package dev.panicwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/** {@code panicwatch notify}: its help, --check on the shipped files, a bad file, and the compose service. */
class NotifyCommandTest {

    private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void helpExplainsTheCommand() {
        CliRun run = CliRun.of("notify", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("--config=FILE", "--check", "docs/notify.md", "Retry-After",
                "panicwatch_notify_target_failing", "Exit status:");
        assertThat(run.out()).as("ASCII only, for terminals without UTF-8").matches("[\\x00-\\x7f]*");
    }

    @Test
    void theShippedConfigurationsPassTheCheck() {
        for (Path file : List.of(ROOT.resolve("deploy/notify/notify.yml"),
                ROOT.resolve("debian/src/deb/etc/notify.yml"))) {
            CliRun run = CliRun.of("notify", "--config", file.toString(), "--check");
            assertThat(run.exitCode()).as(file + ": " + run.err()).isZero();
            assertThat(run.out()).contains("1 target(s), group panicwatch-notify");
        }
        CliRun run = CliRun.of("notify", "--config", ROOT.resolve("deploy/notify/notify.yml").toString(), "--check");
        assertThat(run.out()).contains("  webhook: webhook -> http://webhook.example:8000/panicwatch; 8 tries");
    }

    @Test
    void aBadFileStopsWithOneLineNamingTheKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("notify.yml");
        Files.writeString(file, "targets:\n  - {name: chat, type: slack, url: http://chat/hook, retries: 3}\n");
        CliRun run = CliRun.of("notify", "--config", file.toString(), "--check");
        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().strip()).isEqualTo("panicwatch notify: " + file + ": targets[0].retries: unknown key "
                + "(known here: name, type, token, tokenEnv, url, filter, template, retry)");
        CliRun missing = CliRun.of("notify", "--config", dir.resolve("nope.yml").toString(), "--check");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("nope.yml: no such file");
    }

    @Test
    @SuppressWarnings("unchecked")
    void theComposeServiceIsOptInAndMountsTheCheckedFile() throws IOException {
        Map<String, Object> service;
        try (InputStream in = Files.newInputStream(ROOT.resolve("docker-compose.yml"))) {
            Map<String, Object> compose = new Yaml().load(in);
            service = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get("notify");
        }
        assertThat((List<String>) service.get("profiles")).containsExactly("notify");
        assertThat((List<String>) service.get("command")).containsExactly("notify", "--config",
                "/etc/panicwatch/notify.yml");
        assertThat((List<String>) service.get("volumes"))
                .containsExactly("./deploy/notify/notify.yml:/etc/panicwatch/notify.yml:ro");
        assertThat(((Map<String, Object>) service.get("environment")).keySet())
                .containsExactlyInAnyOrder("KAFKA_BOOTSTRAP_SERVERS", "SCHEMA_REGISTRY_URL");
        assertThat((List<String>) service.get("ports")).containsExactly("9465:9465");
    }
}
