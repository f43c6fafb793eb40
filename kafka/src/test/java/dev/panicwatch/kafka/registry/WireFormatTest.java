package dev.panicwatch.kafka.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    @Test
    void headerIsMagicZeroThenBigEndianId() {
        byte[] bytes = WireFormat.header(0x01020304, 2).put((byte) 7).put((byte) 8).array();
        assertThat(bytes).containsExactly(0, 1, 2, 3, 4, 7, 8);
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        assertThat(WireFormat.readHeader("t", buffer)).isEqualTo(0x01020304);
        assertThat(buffer.position()).isEqualTo(5);
    }

    @Test
    void wrongMagicByteIsNamed() {
        assertThatThrownBy(() -> WireFormat.readHeader("host-load", ByteBuffer.wrap(new byte[] {0x7b, 0, 0, 0, 1, 2})))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("host-load").hasMessageContaining("0x7b").hasMessageContaining("magic byte");
    }

    @Test
    void shortRecordIsNamed() {
        assertThatThrownBy(() -> WireFormat.readHeader("panic-reports", ByteBuffer.wrap(new byte[] {0, 0, 1})))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("3 bytes").hasMessageContaining("shorter than the 5-byte");
    }
}
