package dev.panicwatch.notify;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One target of the configuration file.
 *
 * @param url    where HTTP targets post (the webhook URL, the ntfy topic URL, the Gotify server)
 * @param secret the bearer token (webhook, ntfy) or application token (Gotify); never logged
 * @param mail   the SMTP settings, for {@link TargetKind#SMTP} only
 */
record TargetSettings(String name, TargetKind kind, Optional<URI> url, Optional<String> secret,
                      Optional<MailSettings> mail, AdviceFilter filter, MessageTemplate template, RetryPolicy retry) {

    /** SMTP server, sender and recipients. */
    record MailSettings(String host, int port, Security security, Optional<String> username,
                        Optional<String> password, String from, List<String> to) {

        enum Security {
            /** Plain SMTP (a relay on the same network). */
            NONE,
            /** SMTP, then STARTTLS required before anything is sent. */
            STARTTLS,
            /** SMTP inside TLS from the first byte (port 465). */
            TLS
        }
    }

    static TargetSettings read(ConfigNode node, RetryPolicy retryDefaults, Map<String, String> env) {
        String name = node.requiredString("name");
        if (!name.matches("[A-Za-z0-9_.-]+")) {
            throw node.invalid("name", "use letters, digits, '.', '_' and '-' only (it becomes a metric label), got '"
                    + name + "'");
        }
        TargetKind kind = node.choice("type", TargetKind.class).orElseThrow(() -> node.invalid("type",
                "is required (webhook, slack, ntfy, gotify or smtp)"));
        Optional<URI> url = Optional.empty();
        Optional<String> secret = secret(node, "token", env);
        Optional<MailSettings> mail = Optional.empty();
        if (kind.overHttp()) {
            url = Optional.of(url(node, node.requiredString("url")));
            if (kind == TargetKind.GOTIFY && secret.isEmpty()) {
                throw node.invalid("token", "is required for gotify (the application token; or tokenEnv naming a "
                        + "variable that holds it)");
            }
        } else {
            ConfigNode smtp = node.section("smtp").orElseThrow(() -> node.invalid("smtp",
                    "is required for type smtp (host, port, security, username, password, from, to)"));
            MailSettings.Security security = smtp.choice("security", MailSettings.Security.class)
                    .orElse(MailSettings.Security.STARTTLS);
            int defaultPort = switch (security) {
                case NONE -> 25;
                case STARTTLS -> 587;
                case TLS -> 465;
            };
            List<String> to = smtp.strings("to");
            if (to.isEmpty()) {
                throw smtp.invalid("to", "is required: at least one recipient");
            }
            for (String address : List.copyOf(to)) {
                checkAddress(smtp, "to", address);
            }
            String from = smtp.requiredString("from");
            checkAddress(smtp, "from", from);
            mail = Optional.of(new MailSettings(smtp.requiredString("host"),
                    smtp.integer("port", 1, 65535).orElse(defaultPort), security, smtp.string("username"),
                    secret(smtp, "password", env), from, List.copyOf(to)));
            smtp.refuseUnknownKeys();
        }
        AdviceFilter filter = node.section("filter").map(AdviceFilter::read).orElse(AdviceFilter.ALL);
        MessageTemplate template = node.section("template").map(MessageTemplate::read).orElse(MessageTemplate.DEFAULT);
        RetryPolicy retry = node.section("retry").map(r -> RetryPolicy.read(r, retryDefaults)).orElse(retryDefaults);
        node.refuseUnknownKeys();
        return new TargetSettings(name, kind, url, secret, mail, filter, template, retry);
    }

    /** {@code KEY: value} in the file, or {@code KEYEnv: VARIABLE} naming an environment variable that holds it. */
    private static Optional<String> secret(ConfigNode node, String key, Map<String, String> env) {
        Optional<String> inline = node.string(key);
        Optional<String> variable = node.string(key + "Env");
        if (inline.isPresent() && variable.isPresent()) {
            throw node.invalid(key + "Env", "give either " + key + " or " + key + "Env, not both");
        }
        if (variable.isPresent()) {
            String value = env.get(variable.get());
            if (value == null || value.isBlank()) {
                throw node.invalid(key + "Env", "names " + variable.get() + ", which is not set in the environment");
            }
            return Optional.of(value.trim());
        }
        return inline;
    }

    private static URI url(ConfigNode node, String text) {
        try {
            URI uri = new URI(text);
            if (!"http".equalsIgnoreCase(uri.getScheme()) && !"https".equalsIgnoreCase(uri.getScheme())
                    || uri.getHost() == null) {
                throw node.invalid("url", "expected an http:// or https:// URL with a host, got '" + text + "'");
            }
            return uri;
        } catch (URISyntaxException e) {
            throw node.invalid("url", "is not a URL (" + e.getReason() + "): '" + text + "'");
        }
    }

    private static void checkAddress(ConfigNode node, String key, String address) {
        if (!address.matches("[^@\\s<>]+@[^@\\s<>]+")) {
            throw node.invalid(key, "expected a mail address like ops@example.org, got '" + address + "'");
        }
    }
}
