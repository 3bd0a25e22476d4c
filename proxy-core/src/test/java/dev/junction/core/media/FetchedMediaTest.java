package dev.junction.core.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FetchedMediaTest {

    @Test
    void encodesStandardBase64WithoutLineBreaksAndKeepsTheBytes() {
        byte[] raw = new byte[1000];                               // long enough that MIME encoders would wrap
        for (int i = 0; i < raw.length; i++) {
            raw[i] = (byte) (i * 7);
        }
        FetchedMedia m = new FetchedMedia("image/png", Unpooled.wrappedBuffer(raw));
        ByteBuf b64 = m.encodeBase64(ByteBufAllocator.DEFAULT);
        try {
            assertEquals(Base64.getEncoder().encodeToString(raw), b64.toString(StandardCharsets.US_ASCII));
            assertEquals(1, m.bytes().refCnt());
            assertEquals(raw.length, m.bytes().readableBytes());
        } finally {
            b64.release();
            m.bytes().release();
        }
    }
}
