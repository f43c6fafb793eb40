package dev.panicwatch.streams.query;

import java.util.Map;
import java.util.Optional;

import dev.panicwatch.streams.config.InvalidSettingException;

/**
 * Where the query API listens and whether it wants a bearer token. From {@code PANICWATCH_API_PORT} (default 8080;
 * 0 = any free port), {@code PANICWATCH_API_HOST} (the name other instances and clients reach this one by, default
 * {@code localhost}; it becomes Kafka Streams' {@code application.server}) and {@code PANICWATCH_API_TOKEN}
 * (unset = no token); command-line flags override them.
 *
 * @param port           TCP port to listen on (all interfaces); 0 picks a free one
 * @param advertisedHost host name published in {@code application.server} for forwarding between instances
 * @param token          bearer token every {@code /api/v1} and {@code /metrics} request must carry, if present
 */
public record QueryApiSettings(int port, String advertisedHost, Optional<String> token) {

    public static final int DEFAULT_PORT = 8080;
    public static final String PORT_ENV = "PANICWATCH_API_PORT";
    public static final String HOST_ENV = "PANICWATCH_API_HOST";
    public static final String TOKEN_ENV = "PANICWATCH_API_TOKEN";

    public QueryApiSettings {
        if (port < 0 || port > 65_535) {
            throw new InvalidSettingException("API port " + port + " is not a TCP port (0..65535)");
        }
        if (advertisedHost == null || advertisedHost.isBlank() || advertisedHost.contains(":")) {
            throw new InvalidSettingException("API host '" + advertisedHost + "' must be a host name without port");
        }
        token = token.filter(t -> !t.isBlank());
    }

    public static QueryApiSettings defaults() {
        return new QueryApiSettings(DEFAULT_PORT, "localhost", Optional.empty());
    }

    public static QueryApiSettings fromEnvironment(Map<String, String> environment) {
        int port = DEFAULT_PORT;
        String rawPort = environment.get(PORT_ENV);
        if (rawPort != null && !rawPort.isBlank()) {
            try {
                port = Integer.parseInt(rawPort.trim());
            } catch (NumberFormatException e) {
                throw new InvalidSettingException("environment variable " + PORT_ENV + " = '" + rawPort
                        + "' is malformed: expected a TCP port number such as 8080");
            }
        }
        String host = environment.getOrDefault(HOST_ENV, "localhost").trim();
        return new QueryApiSettings(port, host, Optional.ofNullable(environment.get(TOKEN_ENV)).map(String::trim));
    }

    public QueryApiSettings withPort(int newPort) {
        return new QueryApiSettings(newPort, advertisedHost, token);
    }

    public QueryApiSettings withAdvertisedHost(String host) {
        return new QueryApiSettings(port, host, token);
    }

    public QueryApiSettings withToken(String newToken) {
        return new QueryApiSettings(port, advertisedHost, Optional.ofNullable(newToken));
    }

    @Override
    public String toString() {
        // Never log the token itself.
        return "QueryApiSettings[port=" + port + ", advertisedHost=" + advertisedHost + ", token="
                + (token.isPresent() ? "set" : "none") + "]";
    }
}
