package dev.panicwatch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Mistakes a compose file can make that only show when it runs, found by reading it: each rule returns what it found,
 * one line per problem, so DockerComposeTest can assert the real file is clean and that each rule catches the mistake
 * it is for.
 */
final class ComposeRules {

    private static final Pattern LOCALHOST_PORT = Pattern.compile("localhost:(\\d{2,5})");

    private ComposeRules() {
    }

    /**
     * Healthchecks whose result depends on the image's shell: the string form and {@code CMD-SHELL} run under
     * {@code /bin/sh}, which is dash, busybox or bash depending on the image, so bash-only syntax is unhealthy forever
     * in one image and fine in another. The exec form ({@code CMD}) runs the same everywhere.
     */
    static List<String> shellDependentHealthchecks(Map<String, Object> services) {
        List<String> problems = new ArrayList<>();
        services.forEach((name, definition) -> {
            Object healthcheck = ((Map<?, ?>) definition).get("healthcheck");
            if (!(healthcheck instanceof Map<?, ?> check) || !check.containsKey("test")) {
                return;
            }
            Object test = check.get("test");
            if (!(test instanceof List<?> parts) || parts.isEmpty()) {
                problems.add(name + ": healthcheck test is a string, which runs under /bin/sh; use [\"CMD\", ...]");
            } else if (!"CMD".equals(parts.get(0)) && !"NONE".equals(parts.get(0))) {
                problems.add(name + ": healthcheck starts with " + parts.get(0) + ", which runs under /bin/sh; use CMD");
            }
        });
        return problems;
    }

    /** {@code localhost:PORT} mentions in the docs whose port no service publishes on the host. */
    static List<String> unpublishedDocumentedPorts(Map<String, Object> services, String documentation) {
        Set<String> published = new TreeSet<>();
        services.values().forEach(definition -> {
            Object ports = ((Map<?, ?>) definition).get("ports");
            if (ports instanceof List<?> list) {
                for (Object port : list) {
                    // "HOST:CONTAINER", "IP:HOST:CONTAINER" or a bare container port (published on a random port).
                    String[] parts = String.valueOf(port).split(":");
                    if (parts.length >= 2) {
                        published.add(parts[parts.length - 2]);
                    }
                }
            }
        });
        Set<String> missing = new TreeSet<>();
        Matcher m = LOCALHOST_PORT.matcher(documentation);
        while (m.find()) {
            if (!published.contains(m.group(1))) {
                missing.add(m.group());
            }
        }
        return new ArrayList<>(missing);
    }

    /** Image tags that more than one service builds: concurrent builds of one tag fail on a clean machine. */
    static List<String> tagsBuiltTwice(Map<String, Object> services) {
        Map<String, List<String>> builders = new TreeMap<>();
        services.forEach((name, definition) -> {
            Map<?, ?> service = (Map<?, ?>) definition;
            if (service.containsKey("build")) {
                builders.computeIfAbsent(String.valueOf(service.get("image")), tag -> new ArrayList<>()).add(name);
            }
        });
        List<String> problems = new ArrayList<>();
        builders.forEach((tag, names) -> {
            if (names.size() > 1) {
                problems.add(tag + " is built by " + names.stream().sorted().toList());
            }
        });
        return problems;
    }
}
