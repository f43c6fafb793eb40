package dev.panicwatch.ingest.panic.http;

/**
 * One POST to the receiver, as the HTTP layer read it. Identity values come from the {@code X-Panicwatch-*} headers,
 * else from the query parameters; any may be null.
 *
 * @param authorization the {@code Authorization} header
 * @param body          the body, at most the limit plus one byte
 * @param declaredBytes the body's size when known (Content-Length or counted while reading), else -1
 * @param tooLarge      whether the body was longer than the receiver's limit
 * @param fileTime      {@code X-Panicwatch-File-Time}: the report file's mtime as ISO-8601 or epoch seconds
 */
public record ReportSubmission(String authorization, String vmId, String hostId, String smbiosUuid, String bootArgs,
                               String fileTime, byte[] body, long declaredBytes, boolean tooLarge) {
}
