package dev.junction.translators.golden;

import dev.junction.stream.SseDecoder;
import dev.junction.stream.SseEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Frames a recorded SSE text with the production {@link SseDecoder}, fed in chunks of a fixed
 * size, so every golden stream is also a chunk-boundary sweep (DESIGN house rule 9: 1, 2, 3, 5, ...
 * bytes at a time). Each event's data is copied because the decoder's buffer is only valid
 * during the callback; the caller releases the copies.
 */
public final class SseFraming {

    private static final int MAX_EVENT_BYTES = 1 << 20;

    private SseFraming() {
    }

    /** The whole file at once, then 1, 2, 3, 5, 7, 13 and 64 bytes at a time. */
    public static Map<String, GoldenRunner.Framing> sweep() {
        Map<String, GoldenRunner.Framing> out = new LinkedHashMap<>();
        out.put("whole", sse -> frame(sse, Integer.MAX_VALUE));
        for (int size : new int[]{1, 2, 3, 5, 7, 13, 64}) {
            out.put(size + "-byte chunks", sse -> frame(sse, size));
        }
        return out;
    }

    public static List<SseEvent> frame(byte[] sse, int chunkSize) {
        List<SseEvent> events = new ArrayList<>();
        SseDecoder decoder = new SseDecoder(e -> events.add(
                new SseEvent(e.event(), e.data().copy(), e.id(), e.retryMillis())), MAX_EVENT_BYTES);
        try {
            for (int at = 0; at < sse.length; at += chunkSize) {
                int n = Math.min(chunkSize, sse.length - at);
                ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(n).writeBytes(sse, at, n);
                try {
                    decoder.feed(chunk);
                } finally {
                    chunk.release();
                }
            }
        } catch (RuntimeException e) {
            events.forEach(ev -> ev.data().release());
            throw e;
        } finally {
            decoder.close();
        }
        return events;
    }
}
