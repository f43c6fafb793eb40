package dev.panicwatch.streams.query;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;

import org.apache.kafka.streams.state.HostInfo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.panicwatch.tls.ClientTrust;

/**
 * Asks another instance of the app (found through {@code application.server}) for its answer, over HTTPS when this
 * instance serves HTTPS (all instances of one application share their settings), with the bearer token.
 */
final class PeerClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final HttpClient http;
    private final ObjectMapper json;
    private final Optional<String> token;
    private final String scheme;
    private final ClientTrust trust;

    PeerClient(ObjectMapper json, Optional<String> token, String scheme, ClientTrust trust) {
        this.json = json;
        this.token = token;
        this.scheme = scheme;
        this.trust = trust;
        this.http = trust.httpClient().connectTimeout(Duration.ofSeconds(3)).build();
    }

    /**
     * GET {@code path} on {@code peer}; the parsed JSON body on 200.
     *
     * @throws PeerAnswerException        when the peer answers with an error status (relayed as is)
     * @throws StoresUnavailableException when the peer cannot be reached (it may be restarting: retry)
     */
    JsonNode get(HostInfo peer, String path, Map<String, String> parameters) {
        StringJoiner query = new StringJoiner("&");
        parameters.forEach((name, value) -> query.add(URLEncoder.encode(name, StandardCharsets.UTF_8) + "="
                + URLEncoder.encode(value, StandardCharsets.UTF_8)));
        URI uri = URI.create(scheme + "://" + peer.host() + ":" + peer.port() + path + "?" + query);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT).GET()
                .header("Accept", "application/json");
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            String why = trust.explain(e, scheme + "://" + peer.host() + ":" + peer.port()).orElse(e.toString());
            throw new StoresUnavailableException("instance " + peer.host() + ":" + peer.port()
                    + " that owns the data cannot be reached: " + why, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoresUnavailableException("interrupted while asking " + peer.host() + ":" + peer.port(), e);
        }
        if (response.statusCode() != 200) {
            throw new PeerAnswerException(peer.host() + ":" + peer.port(), response.statusCode(), response.body());
        }
        try {
            return json.readTree(response.body());
        } catch (IOException e) {
            throw new StoresUnavailableException("instance " + peer.host() + ":" + peer.port()
                    + " answered with unreadable JSON: " + e.getMessage(), e);
        }
    }
}
