package dev.panicwatch.ingest.panic.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The receiver's one bearer token, checked the same way on every endpoint (reports and guest state): a sender that
 * may post one may post the other.
 */
public final class BearerToken {

    private final byte[] digest;

    /**
     * @throws IllegalArgumentException when no token is configured: the receiver does not run without one
     */
    public BearerToken(String token) {
        if (token == null || token.isBlank()) {
            throw new IllegalArgumentException("no bearer token configured: pass --token or set "
                    + "PANICWATCH_INGEST_TOKEN; the receiver does not run without authentication");
        }
        this.digest = sha256(token.strip());
    }

    /** Why an {@code Authorization} header is refused, or null when it carries the token. */
    public String refusal(String authorization) {
        if (authorization == null || authorization.isBlank()) {
            return "missing bearer token: send the header 'Authorization: Bearer <token>'";
        }
        String value = authorization.strip();
        if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "the Authorization header is not a bearer token: send 'Authorization: Bearer <token>'";
        }
        // Comparing digests keeps the time independent of where the tokens differ and of the token's length.
        if (!MessageDigest.isEqual(digest, sha256(value.substring(7).strip()))) {
            return "wrong bearer token";
        }
        return null;
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
