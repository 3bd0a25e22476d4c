package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SseFramesTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;

    private static String drain(ByteBuf b) {
        try {
            return b.toString(StandardCharsets.UTF_8);
        } finally {
            b.release();
        }
    }

    @Test
    void smallPayloadIsCopiedOnceAndReleased() {
        ByteBuf payload = ALLOC.buffer().writeBytes("{\"a\":\"é\"}".getBytes(StandardCharsets.UTF_8));
        ByteBuf frame = SseFrames.data(ALLOC, payload);
        assertEquals(0, payload.refCnt(), "the frame took the payload over and is done with it");
        assertEquals("data: {\"a\":\"é\"}\n\n", frame.toString(StandardCharsets.UTF_8));
        frame.release();
    }

    @Test
    void largePayloadIsCarriedWithoutCopying() {
        byte[] json = ("{\"a\":\"" + "x".repeat(SseFrames.COPY_BELOW) + "\"}").getBytes(StandardCharsets.UTF_8);
        ByteBuf payload = ALLOC.buffer().writeBytes(json);
        ByteBuf frame = SseFrames.data(ALLOC, payload);
        assertEquals(1, payload.refCnt());
        assertEquals("data: " + new String(json, StandardCharsets.UTF_8) + "\n\n", frame.toString(StandardCharsets.UTF_8));
        frame.release();
        assertEquals(0, payload.refCnt(), "releasing the frame releases the payload");
    }

    @Test
    void dataFrameFromBytes() {
        assertEquals("data: {}\n\n", drain(SseFrames.data(ALLOC, "{}".getBytes(StandardCharsets.US_ASCII))));
    }

    @Test
    void constantsSurviveAnyNumberOfReleases() {
        for (int i = 0; i < 3; i++) {
            assertEquals("data: [DONE]\n\n", drain(SseFrames.done()));
            assertEquals(": keepalive\n\n", drain(SseFrames.keepalive()));
            assertEquals("data: x\n\n", drain(SseFrames.data(ALLOC, new byte[] {'x'})));
        }
    }

    @Test
    void framesDecodeBackWithTheSseDecoder() {
        SseRecorder r = new SseRecorder();
        SseDecoder d = new SseDecoder(r, 1024);
        for (ByteBuf b : new ByteBuf[] {SseFrames.keepalive(), SseFrames.data(ALLOC, "{\"x\":1}".getBytes(StandardCharsets.UTF_8)),
                SseFrames.error(ALLOC, GatewayError.internal("oops")), SseFrames.done()}) {
            try {
                d.feed(b);
            } finally {
                b.release();
            }
        }
        d.close();
        assertEquals(4, r.items.size());
        assertEquals(SseRecorder.Item.comment("keepalive"), r.items.get(0));
        assertEquals("{\"x\":1}", r.items.get(1).data());
        assertTrue(r.items.get(2).data().startsWith("{\"error\":{\"message\":\"oops\""));
        assertEquals("[DONE]", r.items.get(3).data());
    }
}
