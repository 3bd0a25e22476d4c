package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SseDecoderNameTest {

    @Test
    void nameComparisonAgreesWithABytewiseCompareForEveryLengthAndMismatchPosition() {
        String alphabet = "content_block_delta:message_start";
        for (int len = 0; len <= 24; len++) {
            byte[] name = alphabet.substring(0, len).getBytes(StandardCharsets.US_ASCII);
            for (int wrong = -1; wrong < len; wrong++) {
                byte[] field = name.clone();
                if (wrong >= 0) {
                    field[wrong] ^= 0x20;
                }
                for (ByteBuf b : new ByteBuf[] {Unpooled.buffer(), Unpooled.directBuffer()}) {
                    try {
                        b.writeBytes("xx".getBytes(StandardCharsets.US_ASCII)).writeBytes(field).writeByte(':');
                        assertEquals(wrong < 0, SseDecoder.nameIs(b, 2, len, name), len + "/" + wrong);
                        assertEquals(false, SseDecoder.nameIs(b, 2, len + 1, name));
                    } finally {
                        b.release();
                    }
                }
            }
        }
    }
}
