package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Records what an {@link SseDecoder} reports, copying the data out during the callback. */
final class SseRecorder implements SseListener {

    /** One reported item: an event (kind "event") or a comment (kind "comment", text in data). */
    record Item(String kind, String event, String data, String id, Long retry) {
        static Item event(String event, String data) {
            return new Item("event", event, data, null, null);
        }

        static Item event(String event, String data, String id, Long retry) {
            return new Item("event", event, data, id, retry);
        }

        static Item comment(String text) {
            return new Item("comment", null, text, null, null);
        }
    }

    final List<Item> items = new ArrayList<>();

    @Override
    public void onEvent(SseEvent e) {
        items.add(new Item("event", e.event(), e.data().toString(StandardCharsets.UTF_8), e.id(), e.retryMillis()));
    }

    @Override
    public void onComment(ByteBuf comment) {
        items.add(Item.comment(comment.toString(StandardCharsets.UTF_8)));
    }

    /** Decodes {@code stream} fed in pooled (leak-tracked) pieces of {@code step} bytes, then closes. */
    static List<Item> decode(byte[] stream, int step) {
        SseRecorder r = new SseRecorder();
        SseDecoder d = new SseDecoder(r, 1 << 20);
        for (int i = 0; i < stream.length; i += step) {
            feed(d, stream, i, Math.min(step, stream.length - i));
        }
        d.close();
        return r.items;
    }

    /** Decodes {@code stream} fed as two pieces split at {@code at}. */
    static List<Item> decodeSplit(byte[] stream, int at) {
        SseRecorder r = new SseRecorder();
        SseDecoder d = new SseDecoder(r, 1 << 20);
        feed(d, stream, 0, at);
        feed(d, stream, at, stream.length - at);
        d.close();
        return r.items;
    }

    static void feed(SseDecoder d, byte[] stream, int from, int length) {
        ByteBuf chunk = PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(length, 1));
        try {
            chunk.writeBytes(stream, from, length);
            d.feed(chunk);
        } finally {
            chunk.release();
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
