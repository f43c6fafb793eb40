package dev.panicwatch.kafka.registry;

import java.nio.ByteBuffer;

import org.apache.kafka.common.errors.SerializationException;

/**
 * The Confluent wire format: magic byte 0, the schema's 4-byte big-endian global id, then the Avro binary body.
 * Readers of any Confluent-compatible serde can decode what this writes, and the reverse.
 */
public final class WireFormat {

    public static final byte MAGIC = 0;
    public static final int HEADER_BYTES = 5;

    private WireFormat() {
    }

    /** Writes the 5-byte header into a new buffer sized for the header plus {@code bodyLength}. */
    public static ByteBuffer header(int schemaId, int bodyLength) {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_BYTES + bodyLength);
        buffer.put(MAGIC).putInt(schemaId);
        return buffer;
    }

    /** Checks the header and returns the schema id; the buffer is left positioned at the Avro body. */
    public static int readHeader(String topic, ByteBuffer buffer) {
        if (buffer.remaining() < HEADER_BYTES) {
            throw new SerializationException("record on topic '" + topic + "' is " + buffer.remaining()
                    + " bytes long, shorter than the 5-byte schema-registry header (magic byte + schema id): "
                    + "truncated, or not written by a schema-registry serializer");
        }
        byte magic = buffer.get();
        if (magic != MAGIC) {
            throw new SerializationException(String.format("record on topic '%s' starts with byte 0x%02x, not the "
                    + "schema-registry magic byte 0x00: it was not written by a Confluent-format Avro serializer",
                    topic, magic));
        }
        return buffer.getInt();
    }
}
