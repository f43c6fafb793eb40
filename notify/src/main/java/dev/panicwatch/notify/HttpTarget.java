package dev.panicwatch.notify;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.streams.remediations.AvroJson;

/**
 * The HTTP targets: a generic JSON webhook, Slack/Mattermost incoming webhooks, ntfy and Gotify. They differ only in
 * the request they build; the answer is read the same way for all (2xx taken; 408, 429 and 5xx worth another try,
 * with {@code Retry-After} honoured; any other status refused).
 */
final class HttpTarget implements Target {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final TargetSettings settings;
    private final HttpClient client;

    HttpTarget(TargetSettings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder().connectTimeout(settings.retry().requestTimeout())
                .followRedirects(HttpClient.Redirect.NORMAL).build();
    }

    @Override
    public Delivery send(AdviceMessage message) {
        HttpRequest request = request(message);
        HttpResponse<String> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpTimeoutException e) {
            return new Delivery.TryAgain("no answer within " + settings.retry().requestTimeout(), Optional.empty());
        } catch (IOException e) {
            // The JDK's ConnectException often has no message; its name is then the only clue.
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            URI uri = request.uri();
            return new Delivery.TryAgain("cannot reach " + uri.getHost() + (uri.getPort() < 0 ? "" : ":" + uri.getPort())
                    + ": " + why, Optional.empty());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Delivery.TryAgain("interrupted", Optional.empty());
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            return new Delivery.Taken();
        }
        String reason = "HTTP " + status + answerExcerpt(response.body());
        if (status == 408 || status == 429 || status >= 500) {
            return new Delivery.TryAgain(reason, response.headers().firstValue("Retry-After")
                    .flatMap(HttpTarget::retryAfter));
        }
        return new Delivery.Refused(reason);
    }

    HttpRequest request(AdviceMessage message) {
        String title = settings.template().title(message);
        String body = settings.template().body(message);
        URI url = settings.url().orElseThrow();
        HttpRequest.Builder request = HttpRequest.newBuilder().timeout(settings.retry().requestTimeout())
                .header("User-Agent", "panicwatch-notify");
        switch (settings.kind()) {
            case WEBHOOK -> {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("title", title);
                json.put("text", body);
                json.put("dashboard", message.value("dashboard"));
                json.put("event", AvroJson.of(message.event()));
                request.uri(url).header("Content-Type", "application/json").POST(json(json));
                settings.secret().ifPresent(token -> request.header("Authorization", "Bearer " + token));
            }
            case SLACK -> request.uri(url).header("Content-Type", "application/json")
                    .POST(json(Map.of("text", title + "\n" + body)));
            case NTFY -> {
                // ntfy reads the title and click link from headers, which must be ASCII; the template's own
                // text is, and a VM id that is not gets its bytes replaced rather than breaking the request.
                request.uri(url).header("Title", ascii(title)).header("Click", ascii(message.value("dashboard")))
                        .header("Tags", "warning").header("Content-Type", "text/plain; charset=utf-8")
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
                settings.secret().ifPresent(token -> request.header("Authorization", "Bearer " + token));
            }
            case GOTIFY -> {
                Map<String, Object> json = new LinkedHashMap<>();
                json.put("title", title);
                json.put("message", body);
                json.put("priority", 8);
                json.put("extras", Map.of("client::notification",
                        Map.of("click", Map.of("url", message.value("dashboard")))));
                request.uri(url.resolve(withSlash(url.getPath()) + "message"))
                        .header("Content-Type", "application/json")
                        .header("X-Gotify-Key", settings.secret().orElseThrow()).POST(json(json));
            }
            case SMTP -> throw new IllegalStateException("an SMTP target is not sent over HTTP");
        }
        return request.build();
    }

    /** Retry-After is either seconds or an HTTP date (RFC 9110 section 10.2.3). */
    static Optional<Duration> retryAfter(String value) {
        String text = value.trim();
        try {
            long seconds = Long.parseLong(text);
            return seconds < 0 ? Optional.empty() : Optional.of(Duration.ofSeconds(seconds));
        } catch (NumberFormatException notSeconds) {
            try {
                Duration until = Duration.between(ZonedDateTime.now(),
                        ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME));
                return Optional.of(until.isNegative() ? Duration.ZERO : until);
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private static HttpRequest.BodyPublisher json(Object value) {
        try {
            return HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(value), StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a message as JSON", e);
        }
    }

    private static String withSlash(String path) {
        return path == null || path.isEmpty() ? "/" : path.endsWith("/") ? path : path + "/";
    }

    private static String ascii(String text) {
        return text.replaceAll("[^\\x20-\\x7e]", "?");
    }

    private static String answerExcerpt(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String line = body.strip().replaceAll("\\s+", " ");
        return ": " + (line.length() > 200 ? line.substring(0, 200) + "..." : line);
    }
}
