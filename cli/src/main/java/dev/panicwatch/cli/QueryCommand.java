package dev.panicwatch.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.schemas.AdviceOutcomeStatus;
import dev.panicwatch.tls.ClientTrust;

import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./panicwatch query …}: asks a running streams app's query API and prints readable tables. */
@Command(name = "query", mixinStandardHelpOptions = true,
        description = "Ask the query API of a running './panicwatch streams' (or demo).",
        subcommands = {QueryCommand.PanicRate.class, QueryCommand.Outcomes.class})
final class QueryCommand implements Runnable {

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.err);
    }

    /** Where the query API is when --api is not given. */
    static final String API_URL_ENV = "PANICWATCH_API_URL";

    /** Options every query subcommand shares. */
    static class ApiOptions {
        @Option(names = "--api", paramLabel = "URL", defaultValue = "${env:PANICWATCH_API_URL:-http://localhost:8080}",
                description = "Base URL of the query API, https:// when it has a certificate "
                        + "(default: PANICWATCH_API_URL or http://localhost:8080).")
        String api;

        @Option(names = "--ca-file", paramLabel = "FILE", defaultValue = "${env:PANICWATCH_CA_FILE}",
                description = "PEM file of the CAs that may sign the API's certificate (default: PANICWATCH_CA_FILE, "
                        + "else the JVM's trusted CAs).")
        String caFile;

        @Option(names = "--token", paramLabel = "TOKEN", defaultValue = "${env:PANICWATCH_API_TOKEN}",
                description = "Bearer token, when the API requires one (default: PANICWATCH_API_TOKEN).")
        String token;

        @Option(names = "--json",
                description = "Print JSON instead of readable text (query: the API's answer; advice: the change).")
        boolean json;

        /**
         * Asks the API at {@code path} and prints its answer, as JSON with --json, else with {@code readable}.
         *
         * @return the exit code: 0 answered, 1 the API failed or refused, 2 the options are wrong
         */
        int printAnswer(String path, Map<String, String> parameters, Consumer<JsonNode> readable) {
            JsonNode answer;
            try {
                answer = new ApiCaller(api, token, ClientTrust.fromCaFile("--ca-file", caFile)).get(path, parameters);
            } catch (IllegalArgumentException e) {
                System.err.println("panicwatch query: " + e.getMessage());
                return 2;
            } catch (ApiCaller.ApiError e) {
                System.err.println("panicwatch query: " + e.getMessage());
                return 1;
            }
            if (json) {
                System.out.println(answer.toPrettyString());
            } else {
                readable.accept(answer);
            }
            return 0;
        }
    }

    /** Which subject: one VM, one host, or the top N VMs. */
    static final class Subject {
        @Option(names = "--vm", paramLabel = "ID", required = true, description = "A VM, e.g. pve1/104.")
        String vm;

        @Option(names = "--host", paramLabel = "ID", required = true, description = "A hypervisor host, e.g. pve1.")
        String host;

        @Option(names = "--top", paramLabel = "N", required = true, description = "The N VMs with the highest rate.")
        Integer top;
    }

    @Command(name = "panic-rate", mixinStandardHelpOptions = true,
            description = {"Panics per hour of a VM or host, or the VMs with the highest rate.",
                    "Examples: panicwatch query panic-rate --vm pve1/104 --span PT24H; "
                            + "panicwatch query panic-rate --top 10"})
    static final class PanicRate implements Callable<Integer> {

        @ArgGroup(exclusive = true, multiplicity = "1")
        Subject subject;

        @Option(names = "--span", paramLabel = "DURATION",
                description = "ISO-8601 span ending now, e.g. PT6H, PT24H, P7D (default PT24H).")
        String span;

        @Option(names = "--from", paramLabel = "TIME", description = "Start instead of --span, e.g. 2024-05-01T10:00:00Z.")
        String from;

        @Option(names = "--to", paramLabel = "TIME", description = "End (default now).")
        String to;

        @picocli.CommandLine.Mixin
        ApiOptions options;

        @Override
        public Integer call() {
            Map<String, String> parameters = new LinkedHashMap<>();
            String path;
            if (subject.top != null) {
                path = "/api/v1/panic-rates";
                parameters.put("top", Integer.toString(subject.top));
            } else {
                path = "/api/v1/panic-rate";
                parameters.put(subject.vm != null ? "vm" : "host", subject.vm != null ? subject.vm : subject.host);
            }
            putIfSet(parameters, "span", span);
            putIfSet(parameters, "from", from);
            putIfSet(parameters, "to", to);
            boolean top = subject.top != null;
            return options.printAnswer(path, parameters, answer -> {
                if (top) {
                    RateTables.printTop(answer, System.out);
                } else {
                    RateTables.printRate(answer, System.out);
                }
            });
        }

        private static void putIfSet(Map<String, String> parameters, String name, String value) {
            if (value != null) {
                parameters.put(name, value);
            }
        }
    }

    @Command(name = "outcomes", mixinStandardHelpOptions = true,
            description = {"Every VM's current advice outcome: was its boot-args advice applied, and did it work "
                    + "(ADVISED, APPLIED, EFFECTIVE, INEFFECTIVE, NOT_APPLIED; docs/design.md#advice-outcome).",
                    "Examples: panicwatch query outcomes; panicwatch query outcomes --host pve1 --status INEFFECTIVE"})
    static final class Outcomes implements Callable<Integer> {

        @Option(names = "--host", paramLabel = "ID", description = "Only the VMs last seen on this host, e.g. pve1.")
        String host;

        @Option(names = "--status", paramLabel = "STATUS",
                description = "Only this status: ADVISED, APPLIED, EFFECTIVE, INEFFECTIVE or NOT_APPLIED.")
        String status;

        @picocli.CommandLine.Mixin
        ApiOptions options;

        @Override
        public Integer call() {
            Map<String, String> parameters = new LinkedHashMap<>();
            if (host != null) {
                parameters.put("host", host);
            }
            if (status != null) {
                String named = status.strip().toUpperCase(Locale.ROOT);
                if (!OutcomeTable.STATUSES.contains(named)) {
                    System.err.println("panicwatch query: --status '" + status + "' is not an advice outcome status; "
                            + "use one of " + String.join(", ", OutcomeTable.STATUSES));
                    return 2;
                }
                parameters.put("status", named);
            }
            return options.printAnswer("/api/v1/advice-outcomes", parameters,
                    answer -> OutcomeTable.print(answer, System.out));
        }
    }

    /** The readable table of {@code /api/v1/advice-outcomes}: one row per VM, ASCII only. */
    static final class OutcomeTable {

        static final List<String> STATUSES = java.util.Arrays.stream(AdviceOutcomeStatus.values()).map(Enum::name)
                .toList();

        private OutcomeTable() {
        }

        static void print(JsonNode answer, PrintStream out) {
            List<String> filters = new ArrayList<>();
            if (answer.path("host").isTextual()) {
                filters.add("host " + answer.path("host").asText());
            }
            if (answer.path("status").isTextual()) {
                filters.add("status " + answer.path("status").asText());
            }
            JsonNode outcomes = answer.path("outcomes");
            out.printf("Advice outcomes%s: %d VM%s%n", filters.isEmpty() ? "" : " (" + String.join(", ", filters) + ")",
                    outcomes.size(), outcomes.size() == 1 ? "" : "s");
            if (outcomes.isEmpty()) {
                return;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"VM", "HOST", "STATUS", "SINCE", "ADVISED BOOT-ARGS", "ADVISED", "APPLIED",
                    "TIMEOUT PANICS/DAY BEFORE -> AFTER"});
            for (JsonNode o : outcomes) {
                String advice = o.path("suggestedBootArgs").asText();
                JsonNode after = o.path("after");
                rows.add(new String[] {o.path("vmId").asText(), text(o.path("hostId")), o.path("status").asText(),
                        text(o.path("time")), advice, text(o.path("advisedTime")), text(o.path("appliedTime")),
                        perDay(o.path("before")) + " -> " + (after.isObject() ? perDay(after) : "-")});
            }
            TextColumns.print(rows, out);
        }

        /** {@code 48.0 (1 in 30 min)}: the rate, with the count it comes from. */
        private static String perDay(JsonNode period) {
            long minutes = 0;
            try {
                minutes = Duration.between(Instant.parse(period.path("start").asText()),
                        Instant.parse(period.path("end").asText())).toMinutes();
            } catch (RuntimeException e) {
                // a period without times: the count alone
            }
            return String.format(Locale.ROOT, "%.1f (%d in %s)", period.path("timeoutPanicsPerDay").asDouble(),
                    period.path("timeoutPanics").asInt(), minutes >= 120 ? minutes / 60 + " h" : minutes + " min");
        }

        private static String text(JsonNode value) {
            return value.isMissingNode() || value.isNull() ? "-" : value.asText();
        }
    }

    /** GET against the query API with JSON answers; every failure becomes one readable line. */
    static final class ApiCaller {

        static final class ApiError extends Exception {
            ApiError(String message) {
                super(message);
            }
        }

        private static final ObjectMapper JSON = new ObjectMapper();
        private final String base;
        private final String token;
        private final ClientTrust trust;
        private final HttpClient http;

        ApiCaller(String base, String token, ClientTrust trust) {
            this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
            this.token = token == null || token.isBlank() ? null : token;
            this.trust = trust;
            this.http = trust.httpClient().connectTimeout(Duration.ofSeconds(5)).build();
        }

        JsonNode get(String path, Map<String, String> parameters) throws ApiError {
            StringJoiner query = new StringJoiner("&");
            parameters.forEach((k, v) -> query.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                    + URLEncoder.encode(v, StandardCharsets.UTF_8)));
            URI uri;
            try {
                uri = URI.create(base + path + "?" + query);
            } catch (IllegalArgumentException e) {
                throw new ApiError("--api " + base + " is not a URL: " + e.getMessage());
            }
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw new ApiError("--api " + base + " must start with https:// or http://");
            }
            if (token != null && "http".equals(uri.getScheme()) && !loopback(uri.getHost())) {
                System.err.println("panicwatch query: warning: the token goes to " + uri.getHost()
                        + " over plain http://; give the API a certificate and use https://");
            }
            HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET()
                    .header("Accept", "application/json");
            if (token != null) {
                request.header("Authorization", "Bearer " + token);
            }
            HttpResponse<String> response;
            try {
                response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            } catch (ConnectException e) {
                throw new ApiError("cannot reach the query API at " + base + " (is './panicwatch streams' or the demo "
                        + "running? use --api to point elsewhere)");
            } catch (IOException e) {
                throw new ApiError(trust.explain(e, base).orElse("request to " + base + " failed: " + e));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiError("interrupted");
            }
            JsonNode body;
            try {
                body = JSON.readTree(response.body());
            } catch (IOException e) {
                throw new ApiError(base + " answered " + response.statusCode() + " with something that is not JSON "
                        + "(is it the Panicwatch query API?)");
            }
            if (response.statusCode() != 200) {
                String error = body.path("error").asText("HTTP " + response.statusCode());
                String retry = response.headers().firstValue("Retry-After").map(s -> " (retry in " + s + " s)")
                        .orElse("");
                throw new ApiError(response.statusCode() + ": " + error + retry);
            }
            return body;
        }

        private static boolean loopback(String host) {
            return host != null && (host.equals("localhost") || host.startsWith("127.") || host.equals("[::1]"));
        }
    }

    /** Readable tables of the rate answers. */
    static final class RateTables {

        private RateTables() {
        }

        static void printRate(JsonNode rate, PrintStream out) {
            String subject = rate.has("vm") ? "VM " + rate.path("vm").asText() : "host " + rate.path("host").asText();
            out.printf(Locale.ROOT, "%s: %d panics in %s .. %s (%s), %.2f per hour%n", subject,
                    rate.path("panics").asLong(), rate.path("from").asText(), rate.path("to").asText(),
                    hours(rate), rate.path("perHour").asDouble());
            if (rate.has("byClass") && !rate.path("byClass").isEmpty()) {
                out.println("by class: " + classes(rate.path("byClass")));
            }
            if (!rate.path("series").isEmpty()) {
                out.printf("%-22s %s%n", "WINDOW (" + rate.path("windowSize").asText() + ") FROM", "PANICS");
                rate.path("series").forEach(w -> out.printf("%-22s %d%n", w.path("start").asText(),
                        w.path("panics").asLong()));
            }
        }

        static void printTop(JsonNode top, PrintStream out) {
            out.printf("VMs with the most panics in %s .. %s (%s)%n", top.path("from").asText(),
                    top.path("to").asText(), hours(top));
            if (top.path("vms").isEmpty()) {
                out.println("(no panics)");
                return;
            }
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"#", "VM", "PANICS", "PER HOUR", "CLASSES", "ADVICE"});
            int rank = 1;
            for (JsonNode vm : top.path("vms")) {
                JsonNode advice = vm.path("advice");
                String adviceText = advice.isMissingNode() || advice.isNull() ? "-"
                        : String.join(", ", texts(advice.path("actions")))
                        + (advice.path("suggestedBootArgs").isTextual()
                        ? " → boot-args \"" + advice.path("suggestedBootArgs").asText() + "\"" : "");
                rows.add(new String[] {Integer.toString(rank++), vm.path("vm").asText(),
                        Long.toString(vm.path("panics").asLong()),
                        String.format(Locale.ROOT, "%.2f", vm.path("perHour").asDouble()),
                        classes(vm.path("byClass")), adviceText});
            }
            TextColumns.print(rows, out);
        }

        private static String classes(JsonNode byClass) {
            List<String> parts = new ArrayList<>();
            byClass.properties().forEach(e -> parts.add(e.getKey() + "×" + e.getValue().asLong()));
            return parts.isEmpty() ? "-" : String.join(" ", parts);
        }

        private static List<String> texts(JsonNode array) {
            List<String> texts = new ArrayList<>();
            array.forEach(n -> texts.add(n.asText()));
            return texts;
        }

        private static String hours(JsonNode answer) {
            try {
                Duration d = Duration.between(Instant.parse(answer.path("from").asText()),
                        Instant.parse(answer.path("to").asText()));
                return String.format(Locale.ROOT, "%.1f h", d.toMillis() / 3_600_000.0);
            } catch (RuntimeException e) {
                return "?";
            }
        }
    }
}
