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
    /** When set: the line scanner the decoder was given, whose inspection of each event is checked. */
    private final LineScanCheck check;

    SseRecorder() {
        this(null);
    }

    SseRecorder(LineScanCheck check) {
        this.check = check;
    }

    @Override
    public void onEvent(String event, ByteBuf src, int index, int length, String id, Long retryMillis) {
        if (check != null) {
            check.event(src, index, length);
        }
        SseListener.super.onEvent(event, src, index, length, id, retryMillis);
    }

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
        return decode(stream, step, null);
    }

    /** The same, with {@code check}'s inspector as the decoder's line scanner (when not null). */
    static List<Item> decode(byte[] stream, int step, LineScanCheck check) {
        SseRecorder r = new SseRecorder(check);
        SseDecoder d = decoder(r, check);
        for (int i = 0; i < stream.length; i += step) {
            feed(d, stream, i, Math.min(step, stream.length - i));
        }
        d.close();
        return r.items;
    }

    /** Decodes {@code stream} fed as two pieces split at {@code at}. */
    static List<Item> decodeSplit(byte[] stream, int at) {
        return decodeSplit(stream, at, null);
    }

    /** The same, with {@code check}'s inspector as the decoder's line scanner (when not null). */
    static List<Item> decodeSplit(byte[] stream, int at, LineScanCheck check) {
        SseRecorder r = new SseRecorder(check);
        SseDecoder d = decoder(r, check);
        feed(d, stream, 0, at);
        feed(d, stream, at, stream.length - at);
        d.close();
        return r.items;
    }

    private static SseDecoder decoder(SseRecorder r, LineScanCheck check) {
        return check == null ? new SseDecoder(r, 1 << 20)
                : new SseDecoder(r, 1 << 20, io.netty.buffer.ByteBufAllocator.DEFAULT, check);
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
