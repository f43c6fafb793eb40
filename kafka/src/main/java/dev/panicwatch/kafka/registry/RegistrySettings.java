package dev.panicwatch.kafka.registry;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.config.ConfigException;

/**
 * Schema-registry settings under Confluent's names, so an existing Confluent client configuration works unchanged.
 *
 * @param urls              {@code schema.registry.url}: one or more base URLs, tried in order
 * @param autoRegister      {@code auto.register.schemas} (default true): register the writer schema on first use
 * @param useLatestVersion  {@code use.latest.version} (default false): write with the id of the subject's latest
 *                          version, which must equal the writer schema
 * @param basicAuthHeader   from {@code basic.auth.credentials.source} and {@code basic.auth.user.info}
 * @param requestTimeout    {@code schema.registry.request.timeout.ms} (default 10000)
 */
public record RegistrySettings(List<URI> urls, boolean autoRegister, boolean useLatestVersion,
                               Optional<String> basicAuthHeader, Duration requestTimeout) {

    public static final String URL = "schema.registry.url";
    public static final String AUTO_REGISTER = "auto.register.schemas";
    public static final String USE_LATEST_VERSION = "use.latest.version";
    public static final String CREDENTIALS_SOURCE = "basic.auth.credentials.source";
    public static final String USER_INFO = "basic.auth.user.info";
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

    /** Whether {@code key} is one of the serde's settings (which Kafka's own clients do not know). */
    public static boolean isRegistrySetting(String key) {
        return key.startsWith("schema.registry.") || key.startsWith("basic.auth.")
                || key.equals(AUTO_REGISTER) || key.equals(USE_LATEST_VERSION);
    }

    public RegistrySettings {
        if (urls.isEmpty()) {
            throw new ConfigException(URL, "", "at least one schema registry URL is required");
        }
        urls = List.copyOf(urls);
    }

    /** Settings for one registry URL with Confluent's defaults. */
    public static RegistrySettings of(String url) {
        return from(Map.of(URL, url));
    }

    /** Reads the settings from a Kafka-style configuration map; unknown keys are ignored (they belong to Kafka). */
    public static RegistrySettings from(Map<String, ?> configs) {
        Object rawUrl = configs.get(URL);
        if (rawUrl == null || rawUrl.toString().isBlank()) {
            throw new ConfigException(URL, rawUrl, "missing: set it to the registry's base URL, e.g. "
                    + "http://localhost:8081 or http://localhost:8080/apis/ccompat/v7 for Apicurio");
        }
        List<URI> urls = new ArrayList<>();
        String userInfoFromUrl = null;
        for (String part : rawUrl.toString().split(",")) {
            String trimmed = part.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            URI uri;
            try {
                uri = URI.create(trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed);
            } catch (IllegalArgumentException e) {
                throw new ConfigException(URL, trimmed, "not a valid URL: " + e.getMessage());
            }
            if (uri.getScheme() == null || !(uri.getScheme().equals("http") || uri.getScheme().equals("https"))) {
                throw new ConfigException(URL, trimmed, "must start with http:// or https://");
            }
            if (uri.getUserInfo() != null) {
                userInfoFromUrl = uri.getUserInfo();
                uri = URI.create(uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "")
                        + (uri.getRawPath() == null ? "" : uri.getRawPath()));
            }
            urls.add(uri);
        }
        boolean autoRegister = bool(configs, AUTO_REGISTER, true);
        boolean useLatest = bool(configs, USE_LATEST_VERSION, false);

        Object rawSource = configs.get(CREDENTIALS_SOURCE);
        String source = rawSource == null ? "" : rawSource.toString().trim().toUpperCase();
        Optional<String> auth;
        switch (source) {
            case "", "NONE" -> auth = Optional.ofNullable(configs.get(USER_INFO))
                    .map(Object::toString).filter(s -> !s.isBlank()).map(RegistrySettings::basic);
            case "USER_INFO" -> {
                Object info = configs.get(USER_INFO);
                if (info == null || !info.toString().contains(":")) {
                    throw new ConfigException(USER_INFO, info == null ? null : "(hidden)",
                            "basic.auth.credentials.source=USER_INFO needs basic.auth.user.info as user:password");
                }
                auth = Optional.of(basic(info.toString()));
            }
            case "URL" -> {
                if (userInfoFromUrl == null) {
                    throw new ConfigException(URL, rawUrl, "basic.auth.credentials.source=URL needs user:password@ in the URL");
                }
                auth = Optional.of(basic(userInfoFromUrl));
            }
            default -> throw new ConfigException(CREDENTIALS_SOURCE, source, "must be USER_INFO or URL");
        }
        long timeoutMs;
        Object rawTimeout = configs.get(REQUEST_TIMEOUT_MS);
        try {
            timeoutMs = rawTimeout == null ? 10_000 : Long.parseLong(rawTimeout.toString().trim());
        } catch (NumberFormatException e) {
            throw new ConfigException(REQUEST_TIMEOUT_MS, rawTimeout, "must be a whole number of milliseconds");
        }
        if (timeoutMs <= 0) {
            throw new ConfigException(REQUEST_TIMEOUT_MS, rawTimeout, "must be positive");
        }
        return new RegistrySettings(urls, autoRegister, useLatest, auth, Duration.ofMillis(timeoutMs));
    }

    private static boolean bool(Map<String, ?> configs, String key, boolean dflt) {
        Object v = configs.get(key);
        if (v == null) {
            return dflt;
        }
        if (v instanceof Boolean b) {
            return b;
        }
        String s = v.toString().trim().toLowerCase();
        if (s.equals("true") || s.equals("false")) {
            return Boolean.parseBoolean(s);
        }
        throw new ConfigException(key, v, "must be true or false");
    }

    private static String basic(String userInfo) {
        return "Basic " + Base64.getEncoder().encodeToString(userInfo.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
}
