package dev.junction.translators.stream;

import dev.junction.stream.SseEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A forwarded event is re-framed exactly: its name, one {@code data:} line per line of its data, a blank line. */
class ForwardingFrameTest {

    private static String frame(String name, String data) {
        ByteBuf d = PooledByteBufAllocator.DEFAULT.buffer().writeBytes(data.getBytes(StandardCharsets.UTF_8));
        ByteBuf f = ForwardingStreamProcessor.frame(new SseEvent(name, d, null, null), PooledByteBufAllocator.DEFAULT);
        try {
            return f.toString(StandardCharsets.UTF_8);
        } finally {
            f.release();
            d.release();
        }
    }

    @Test
    void namedSingleLine() {
        assertEquals("event: ping\ndata: {\"type\":\"ping\"}\n\n", frame("ping", "{\"type\":\"ping\"}"));
    }

    @Test
    void multiLineDataKeepsItsLinesAndUtf8() {
        assertEquals("event: délta\ndata: a\ndata: \ndata: ünï\n\n", frame("délta", "a\n\nünï"));
    }

    @Test
    void unnamedAndEmpty() {
        assertEquals("data: \n\n", frame(null, ""));
    }
}
