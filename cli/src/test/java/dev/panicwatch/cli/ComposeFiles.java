package dev.panicwatch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and its overrides (e.g. deploy/compose/tls.yml) read the way {@code docker compose -f A -f B}
 * merges them, for the parts the wiring tests use: a service's environment (later files add and replace variables)
 * and command (a later file replaces it). {@code ${VAR:?message}} values are left as written: the test sets those.
 */
final class ComposeFiles {

    private final List<Map<String, Object>> files;

    private ComposeFiles(List<Map<String, Object>> files) {
        this.files = files;
    }

    /** @param paths relative to the repository root, main file first */
    static ComposeFiles read(String... paths) throws IOException {
        List<Map<String, Object>> services = new java.util.ArrayList<>();
        for (String path : paths) {
            try (InputStream in = Files.newInputStream(Path.of("..").resolve(path))) {
                services.add(servicesOf(new Yaml().load(in)));
            }
        }
        return new ComposeFiles(services);
    }

    /** The merged environment of {@code service}, each value swapped for a local one where {@code swaps} has it. */
    Map<String, String> environment(String service, Map<String, String> swaps) {
        Map<String, String> merged = new HashMap<>();
        for (Map<String, Object> file : files) {
            Map<String, Object> env = section(file, service, "environment");
            env.forEach((k, v) -> merged.put(k, swaps.getOrDefault(String.valueOf(v), String.valueOf(v))));
        }
        return merged;
    }

    /** The command of {@code service} from the last file that sets one, with arguments swapped. */
    @SuppressWarnings("unchecked")
    List<String> command(String service, Map<String, String> swaps) {
        List<Object> command = null;
        for (Map<String, Object> file : files) {
            Object c = ((Map<String, Object>) file.getOrDefault(service, Map.of())).get("command");
            if (c != null) {
                command = (List<Object>) c;
            }
        }
        if (command == null) {
            throw new IllegalStateException("no command for service " + service);
        }
        return command.stream().map(String::valueOf).map(a -> swaps.getOrDefault(a, a)).toList();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> servicesOf(Object document) {
        return (Map<String, Object>) ((Map<String, Object>) document).get("services");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> section(Map<String, Object> file, String service, String name) {
        Map<String, Object> definition = (Map<String, Object>) file.getOrDefault(service, Map.of());
        return (Map<String, Object>) definition.getOrDefault(name, Map.of());
    }
}
