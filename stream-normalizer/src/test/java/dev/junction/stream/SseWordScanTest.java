package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The word-at-a-time tests of the stream's hot loops agree with the byte-at-a-time loops they
 * replace: the SSE decoder's search for a line end, and an event's data handed over as a range of
 * the fed chunk instead of an event object.
 */
class SseWordScanTest {

    @Test
    void lineEndIsTheFirstCrOrLfLikeAByteLoopFindsIt() {
        Random random = new Random(7);
        byte[] alphabet = "a\n\r:d \u0000".getBytes(StandardCharsets.ISO_8859_1);
        for (int round = 0; round < 5_000; round++) {
            byte[] bytes = new byte[random.nextInt(70)];
            for (int i = 0; i < bytes.length; i++) {
                // Mostly plain bytes (long runs exercise the word loop), now and then a line end or any byte.
                int pick = random.nextInt(40);
                bytes[i] = pick == 0 ? alphabet[random.nextInt(alphabet.length)]
                        : pick == 1 ? (byte) random.nextInt(256) : (byte) ('a' + random.nextInt(26));
            }
            int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length + 1);
            int to = from + random.nextInt(bytes.length - from + 1);
            int expected = -1;
            for (int i = from; i < to; i++) {
                if (bytes[i] == '\n' || bytes[i] == '\r') {
                    expected = i;
                    break;
                }
            }
            ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(Math.max(1, bytes.length)).writeBytes(bytes);
            try {
                assertEquals(expected, SseDecoder.indexOfLineEnd(direct, from, to));
                assertEquals(expected, SseDecoder.indexOfLineEnd(Unpooled.wrappedBuffer(bytes), from, to));
                // A slice starting at an odd offset of a bigger buffer, as the HTTP decoder hands chunks over.
                ByteBuf slice = direct.slice(from, to - from);
                assertEquals(expected < 0 ? -1 : expected - from, SseDecoder.indexOfLineEnd(slice, 0, to - from));
                // A heap buffer searched through its array: pooled ones start at an offset of a shared array.
                ByteBuf heap = PooledByteBufAllocator.DEFAULT.heapBuffer(Math.max(1, bytes.length)).writeBytes(bytes);
                try {
                    assertEquals(expected, SseDecoder.indexOfLineEnd(heap, from, to));
                    assertEquals(expected < 0 ? -1 : expected - from,
                            SseDecoder.indexOfLineEnd(heap.slice(from, to - from), 0, to - from));
                } finally {
                    heap.release();
                }
            } finally {
                direct.release();
            }
        }
    }

    @Test
    void randomStreamsDecodeTheSameWholeByteByByteAndInRandomPieces() {
        Random random = new Random(3);
        String[] endings = {"\n", "\r", "\r\n"};
        for (int round = 0; round < 300; round++) {
            StringBuilder sb = new StringBuilder();
            int events = 1 + random.nextInt(6);
            for (int e = 0; e < events; e++) {
                int lines = 1 + random.nextInt(3);
                for (int l = 0; l < lines; l++) {
                    String field = switch (random.nextInt(6)) {
                        case 0 -> "event: e" + random.nextInt(3);
                        case 1 -> ": comment " + random.nextInt(100);
                        case 2 -> "id: " + random.nextInt(100);
                        default -> "data: {\"content\":\"" + "xyzw ".repeat(random.nextInt(12)) + "\"}";
                    };
                    sb.append(field).append(endings[random.nextInt(3)]);
                }
                sb.append(endings[random.nextInt(3)]);
            }
            byte[] stream = sb.toString().getBytes(StandardCharsets.UTF_8);
            List<SseRecorder.Item> whole = SseRecorder.decode(stream, Integer.MAX_VALUE);
            assertEquals(whole, SseRecorder.decode(stream, 1), sb::toString);
            assertEquals(whole, SseRecorder.decode(stream, 1 + random.nextInt(40)), sb::toString);
            assertEquals(whole, ranges(stream, 1 + random.nextInt(40)), sb::toString);
        }
    }

    /** Decodes through a listener that reads each event's data in place (the range callback). */
    private static List<SseRecorder.Item> ranges(byte[] stream, int step) {
        List<SseRecorder.Item> items = new ArrayList<>();
        SseListener l = new SseListener() {
            @Override
            public void onEvent(SseEvent event) {
                throw new AssertionError("the range callback is overridden");
            }

            @Override
            public void onEvent(String event, ByteBuf src, int index, int length, String id, Long retryMillis) {
                items.add(SseRecorder.Item.event(event, src.toString(index, length, StandardCharsets.UTF_8), id,
                        retryMillis));
            }

            @Override
            public void onComment(ByteBuf comment) {
                items.add(SseRecorder.Item.comment(comment.toString(StandardCharsets.UTF_8)));
            }
        };
        SseDecoder d = new SseDecoder(l, 1 << 20);
        for (int i = 0; i < stream.length; i += step) {
            SseRecorder.feed(d, stream, i, Math.min(step, stream.length - i));
        }
        d.close();
        return items;
    }
}
