package dev.panicwatch.streams.query;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** A small HTTP client for the query API in tests: GET with query parameters, JSON answers. */
final class ApiClient {

    record Answer(int status, JsonNode body, HttpResponse<String> response) {
        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http;
    private final String baseUrl;
    private final String token;

    ApiClient(String baseUrl, String token) {
        this(baseUrl, token, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build());
    }

    /** Over HTTPS, trusting the CAs {@code trust} names. */
    ApiClient(String baseUrl, String token, dev.panicwatch.tls.ClientTrust trust) {
        this(baseUrl, token, trust.httpClient().connectTimeout(Duration.ofSeconds(5)).build());
    }

    private ApiClient(String baseUrl, String token, HttpClient http) {
        this.baseUrl = baseUrl;
        this.token = token;
        this.http = http;
    }

    ApiClient withToken(String other) {
        return new ApiClient(baseUrl, other, http);
    }

    /** {@code parameters} as name, value, name, value, … */
    Answer get(String path, String... parameters) {
        Map<String, String> params = new LinkedHashMap<>();
        for (int i = 0; i < parameters.length; i += 2) {
            params.put(parameters[i], parameters[i + 1]);
        }
        StringJoiner query = new StringJoiner("&", "?", "");
        query.setEmptyValue("");
        params.forEach((k, v) -> query.add(URLEncoder.encode(k, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path + query))
                .timeout(Duration.ofSeconds(20)).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode body = response.headers().firstValue("Content-Type").orElse("").contains("json")
                    ? JSON.readTree(response.body()) : null;
            return new Answer(response.statusCode(), body, response);
        } catch (IOException e) {
            throw new AssertionError("GET " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
