package dev.panicwatch.streams.config;

import java.util.Map;
import java.util.Optional;

import dev.panicwatch.tls.ClientTrust;
import dev.panicwatch.tls.TlsFiles;

/**
 * Where the query API listens, whether it wants a bearer token and whether it speaks HTTPS. From
 * {@code PANICWATCH_API_PORT} (default 8080; 0 = any free port), {@code PANICWATCH_API_HOST} (the name other instances
 * and clients reach this one by, default {@code localhost}; it becomes Kafka Streams' {@code application.server}),
 * {@code PANICWATCH_API_TOKEN} (unset = no token), {@code PANICWATCH_API_TLS_CERT} / {@code _KEY} (PEM files; unset =
 * plain HTTP), {@code PANICWATCH_API_METRICS_OPEN} ({@code true} lets {@code /metrics} be scraped without the token)
 * and {@code PANICWATCH_CA_FILE} (whom this instance trusts when it forwards a query to another); command-line flags
 * override them.
 *
 * @param port           TCP port to listen on (all interfaces); 0 picks a free one
 * @param advertisedHost host name published in {@code application.server} for forwarding between instances; with
 *                       TLS, the other instances' certificates must name it
 * @param token          bearer token every {@code /api/v1} (and, unless {@code metricsOpen}, {@code /metrics}) request
 *                       must carry, if present; also sent when forwarding to another instance
 * @param tls            certificate and key: HTTPS only, and forwarding to other instances over HTTPS
 * @param metricsOpen    whether {@code /metrics} is served without the token
 * @param peerTrust      the CAs trusted when forwarding to another instance over HTTPS
 */
public record QueryApiSettings(int port, String advertisedHost, Optional<String> token, Optional<TlsFiles> tls,
                               boolean metricsOpen, ClientTrust peerTrust) {

    public static final int DEFAULT_PORT = 8080;
    public static final String PORT_ENV = "PANICWATCH_API_PORT";
    public static final String HOST_ENV = "PANICWATCH_API_HOST";
    public static final String TOKEN_ENV = "PANICWATCH_API_TOKEN";
    public static final String TLS_CERT_ENV = "PANICWATCH_API_TLS_CERT";
    public static final String TLS_KEY_ENV = "PANICWATCH_API_TLS_KEY";
    public static final String METRICS_OPEN_ENV = "PANICWATCH_API_METRICS_OPEN";
    /** The environment variables the query API reads. */
    public static final java.util.Set<String> ENVIRONMENT_NAMES = java.util.Set.of(PORT_ENV, HOST_ENV, TOKEN_ENV,
            TLS_CERT_ENV, TLS_KEY_ENV, METRICS_OPEN_ENV);

    public QueryApiSettings {
        if (port < 0 || port > 65_535) {
            throw new InvalidSettingException("API port " + port + " is not a TCP port (0..65535)");
        }
        if (advertisedHost == null || advertisedHost.isBlank() || advertisedHost.contains(":")) {
            throw new InvalidSettingException("API host '" + advertisedHost + "' must be a host name without port");
        }
        token = token.filter(t -> !t.isBlank());
    }

    /** Plain HTTP, metrics behind the token, the JVM's CAs. */
    public QueryApiSettings(int port, String advertisedHost, Optional<String> token) {
        this(port, advertisedHost, token, Optional.empty(), false, ClientTrust.system());
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
        boolean metricsOpen = switch (environment.getOrDefault(METRICS_OPEN_ENV, "false").trim()) {
            case "true" -> true;
            case "false", "" -> false;
            default -> throw new InvalidSettingException("environment variable " + METRICS_OPEN_ENV + " = '"
                    + environment.get(METRICS_OPEN_ENV) + "' is malformed: expected true or false");
        };
        Optional<TlsFiles> tls;
        ClientTrust trust;
        try {
            tls = TlsFiles.of(TLS_CERT_ENV, environment.get(TLS_CERT_ENV), TLS_KEY_ENV, environment.get(TLS_KEY_ENV));
            trust = ClientTrust.fromEnvironment(environment);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException(e.getMessage());
        }
        return new QueryApiSettings(port, host, Optional.ofNullable(environment.get(TOKEN_ENV)).map(String::trim),
                tls, metricsOpen, trust);
    }

    public QueryApiSettings withPort(int newPort) {
        return new QueryApiSettings(newPort, advertisedHost, token, tls, metricsOpen, peerTrust);
    }

    public QueryApiSettings withAdvertisedHost(String host) {
        return new QueryApiSettings(port, host, token, tls, metricsOpen, peerTrust);
    }

    public QueryApiSettings withToken(String newToken) {
        return new QueryApiSettings(port, advertisedHost, Optional.ofNullable(newToken), tls, metricsOpen, peerTrust);
    }

    public QueryApiSettings withTls(Optional<TlsFiles> files) {
        return new QueryApiSettings(port, advertisedHost, token, files, metricsOpen, peerTrust);
    }

    public QueryApiSettings withPeerTrust(ClientTrust trust) {
        return new QueryApiSettings(port, advertisedHost, token, tls, metricsOpen, trust);
    }

    public QueryApiSettings withMetricsOpen(boolean open) {
        return new QueryApiSettings(port, advertisedHost, token, tls, open, peerTrust);
    }

    /** {@code https} with a certificate, else {@code http}; every instance of one application uses the same. */
    public String scheme() {
        return tls.isPresent() ? "https" : "http";
    }

    @Override
    public String toString() {
        // Never log the token itself.
        return "QueryApiSettings[port=" + port + ", advertisedHost=" + advertisedHost + ", token="
                + (token.isPresent() ? "set" : "none") + ", tls=" + tls.map(TlsFiles::certificate).map(Object::toString)
                .orElse("none") + ", metricsOpen=" + metricsOpen + ", peerTrust=" + peerTrust + "]";
    }
}
