package dev.junction.stream;

import dev.junction.stream.SseRecorder.Item;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static dev.junction.stream.SseRecorder.decode;
import static dev.junction.stream.SseRecorder.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** HTML SSE conformance cases (wire-formats §0.1), each decoded whole and byte by byte. */
class SseDecoderTest {

    private static List<Item> both(String stream) {
        List<Item> whole = decode(utf8(stream), Integer.MAX_VALUE);
        assertEquals(whole, decode(utf8(stream), 1), "byte-by-byte decoding differs");
        return whole;
    }

    @ParameterizedTest
    @ValueSource(strings = {"\n", "\r", "\r\n"})
    void everyLineEndingTerminatesLinesAndEvents(String eol) {
        String s = "event: a" + eol + "data: one" + eol + eol + "data: two" + eol + eol;
        assertEquals(List.of(Item.event("a", "one"), Item.event(null, "two")), both(s));
    }

    @Test
    void mixedLineEndingsInOneStream() {
        String s = "data: a\r\ndata: b\rdata: c\n\r\ndata: d\r\r";
        assertEquals(List.of(Item.event(null, "a\nb\nc"), Item.event(null, "d")), both(s));
    }

    @Test
    void crAtTheEndOfOneChunkAndLfAtTheStartOfTheNextAreOneLineEnd() {
        SseRecorder r = new SseRecorder();
        SseDecoder d = new SseDecoder(r, 1024);
        byte[] s = utf8("data: x\r\n\r\ndata: y\r\n\r\n");
        SseRecorder.feed(d, s, 0, 8); // ends right after the first CR
        SseRecorder.feed(d, s, 8, 2); // "\n\r"
        SseRecorder.feed(d, s, 10, s.length - 10); // "\ndata: y..."
        d.close();
        assertEquals(List.of(Item.event(null, "x"), Item.event(null, "y")), r.items);
    }

    @Test
    void twoCarriageReturnsAcrossChunksAreABlankLine() {
        SseRecorder r = new SseRecorder();
        SseDecoder d = new SseDecoder(r, 1024);
        byte[] s = utf8("data: x\r\rdata: y\r\r");
        SseRecorder.feed(d, s, 0, 8);
        SseRecorder.feed(d, s, 8, s.length - 8);
        d.close();
        assertEquals(List.of(Item.event(null, "x"), Item.event(null, "y")), r.items);
    }

    @Test
    void multiLineDataIsJoinedWithNewline() {
        assertEquals(List.of(Item.event(null, "{\n\"a\": 1\n}")), both("data: {\ndata: \"a\": 1\ndata: }\n\n"));
    }

    @Test
    void commentsAreReportedAndDoNotEndAnEvent() {
        String s = ": keepalive\n\nevent: e\n:mid\ndata: d\n\n";
        assertEquals(List.of(Item.comment("keepalive"), Item.comment("mid"), Item.event("e", "d")), both(s));
    }

    @Test
    void emptyComment() {
        assertEquals(List.of(Item.comment(""), Item.event(null, "x")), both(":\ndata:x\n\n"));
    }

    @Test
    void idPersistsAcrossEventsAndIdWithNulIsIgnored() {
        String s = "id: 1\ndata: a\n\ndata: b\n\nid: 2\u0000x\ndata: c\n\nid\ndata: d\n\n";
        assertEquals(List.of(Item.event(null, "a", "1", null), Item.event(null, "b", "1", null),
                Item.event(null, "c", "1", null), Item.event(null, "d", "", null)), both(s));
    }

    @Test
    void retryAcceptsOnlyDigits() {
        String s = "retry: 1500\ndata: a\n\nretry: 15x\ndata: b\n\nretry:\ndata: c\n\nretry: 99999999999999999999\ndata: d\n\n";
        assertEquals(List.of(Item.event(null, "a", null, 1500L), Item.event(null, "b"),
                Item.event(null, "c"), Item.event(null, "d")), both(s));
    }

    @Test
    void utf8BomAtStreamStartIsSkippedOnlyThere() {
        byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        byte[] body = utf8("data: a\n\n");
        byte[] s = new byte[bom.length * 2 + body.length * 2];
        System.arraycopy(bom, 0, s, 0, 3);
        System.arraycopy(body, 0, s, 3, body.length);
        System.arraycopy(bom, 0, s, 3 + body.length, 3);
        System.arraycopy(body, 0, s, 6 + body.length, body.length);
        // The second BOM is part of a field name, so that line is an unknown field and ignored.
        assertEquals(List.of(Item.event(null, "a")), decode(s, Integer.MAX_VALUE));
        assertEquals(List.of(Item.event(null, "a")), decode(s, 1));
    }

    @Test
    void fieldWithoutColonHasEmptyValue() {
        assertEquals(List.of(Item.event(null, "")), both("data\n\n"));
        assertEquals(List.of(Item.event(null, "\n")), both("data\ndata\n\n"));
        // "event" without a colon sets the empty type, which the listener sees as the empty name.
        assertEquals(List.of(Item.event("", "x")), both("event\ndata: x\n\n"));
    }

    @Test
    void onlyOneSpaceAfterTheColonIsStripped() {
        assertEquals(List.of(Item.event(null, " two")), both("data:  two\n\n"));
        assertEquals(List.of(Item.event(null, "none")), both("data:none\n\n"));
        assertEquals(List.of(Item.event(null, "a: b")), both("data: a: b\n\n"));
    }

    @Test
    void emptyDataLineDispatchesEmptyData() {
        assertEquals(List.of(Item.event(null, "")), both("data:\n\n"));
        assertEquals(List.of(Item.event(null, "")), both("data: \n\n"));
    }

    @Test
    void eventWithoutDataIsNotDispatchedAndItsTypeDoesNotLeak() {
        assertEquals(List.of(Item.event(null, "x")), both("event: ping\n\ndata: x\n\n"));
        assertEquals(List.of(), both("event: a\nid: 3\n\n\n\n"));
    }

    @Test
    void unknownFieldsAreIgnored() {
        assertEquals(List.of(Item.event("e", "x")), both("foo: bar\nevent: e\nDATA: no\ndata: x\n\n"));
    }

    @Test
    void trailingUnterminatedEventIsDiscarded() {
        assertEquals(List.of(Item.event(null, "a")), both("data: a\n\ndata: b\n"));
        assertEquals(List.of(Item.event(null, "a")), both("data: a\n\ndata: b"));
    }

    @Test
    void singleLineDataInsideOneChunkIsASliceOfThatChunk() {
        byte[] bytes = utf8("event: e\ndata: {\"x\":1}\n\n");
        ByteBuf chunk = Unpooled.wrappedBuffer(bytes);
        List<ByteBuf> seen = new ArrayList<>();
        SseDecoder d = new SseDecoder(e -> seen.add(e.data()), 1024);
        d.feed(chunk);
        d.close();
        assertEquals(1, seen.size());
        assertTrue(seen.get(0).hasArray());
        assertSame(bytes, seen.get(0).array(), "data should be a slice of the fed chunk, not a copy");
        assertEquals(chunk.readerIndex(), 0, "feed must not move the caller's reader index");
    }

    @Test
    void listenerMayRetainDataFromTheAccumulatorAndTheDecoderStopsReusingIt() {
        List<ByteBuf> kept = new ArrayList<>();
        SseDecoder d = new SseDecoder(e -> kept.add(e.data().retainedSlice()), 1024);
        byte[] s = utf8("data: a\ndata: b\n\ndata: c\ndata: d\n\n");
        SseRecorder.feed(d, s, 0, s.length);
        d.close();
        try {
            assertEquals("a\nb", kept.get(0).toString(StandardCharsets.UTF_8));
            assertEquals("c\nd", kept.get(1).toString(StandardCharsets.UTF_8));
        } finally {
            kept.forEach(ByteBuf::release);
        }
    }

    @Test
    void tooLargeEventThrowsAndClosesWithoutLeaking() {
        SseRecorder r = new SseRecorder();
        SseDecoder d = new SseDecoder(r, 16);
        byte[] s = utf8("data: 0123456789\ndata: 0123456789\n\n");
        assertThrows(SseDecoder.EventTooLargeException.class, () -> {
            for (int i = 0; i < s.length; i += 5) {
                SseRecorder.feed(d, s, i, Math.min(5, s.length - i));
            }
        });
        assertTrue(d.isClosed());
        assertThrows(IllegalStateException.class, () -> SseRecorder.feed(d, s, 0, 1));
        d.close();
    }

    @Test
    void dataOfExactlyMaxEventBytesIsAccepted() {
        String max = "0123456789abcdef";
        for (String stream : new String[] {"data: " + max + "\n\n", "data: 01234567\ndata: 9abcdef\n\n"}) {
            for (int step : new int[] {1, 3, 1000}) {
                SseRecorder r = new SseRecorder();
                SseDecoder d = new SseDecoder(r, 16);
                byte[] s = utf8(stream);
                for (int i = 0; i < s.length; i += step) {
                    SseRecorder.feed(d, s, i, Math.min(step, s.length - i));
                }
                d.close();
                assertEquals(16, r.items.get(0).data().length(), stream);
            }
        }
        SseDecoder d = new SseDecoder(new SseRecorder(), 16);
        byte[] s = utf8("data: " + max + "!\n\n");
        assertThrows(SseDecoder.EventTooLargeException.class, () -> SseRecorder.feed(d, s, 0, s.length));
    }

    @Test
    void tooLongLineInOneChunkThrows() {
        SseDecoder d = new SseDecoder(new SseRecorder(), 8);
        byte[] s = utf8(": a very long comment line that exceeds the slack\n\n");
        assertThrows(SseDecoder.EventTooLargeException.class, () -> SseRecorder.feed(d, s, 0, s.length));
        assertTrue(d.isClosed());
    }

    @Test
    void listenerExceptionClosesTheDecoderAndReleasesItsBuffers() {
        SseDecoder d = new SseDecoder(e -> {
            throw new IllegalStateException("boom");
        }, 1024);
        byte[] s = utf8("data: a\ndata: b\n\ndata: partial");
        assertThrows(IllegalStateException.class, () -> {
            for (int i = 0; i < s.length; i += 3) {
                SseRecorder.feed(d, s, i, Math.min(3, s.length - i));
            }
        });
        assertTrue(d.isClosed());
    }

    @Test
    void closeDiscardsBufferedPartialLineWithoutLeaking() {
        SseRecorder r = new SseRecorder();
        SseDecoder d = new SseDecoder(r, 1024, PooledByteBufAllocator.DEFAULT);
        byte[] s = utf8("data: a\ndata: b");
        SseRecorder.feed(d, s, 0, s.length);
        d.close();
        d.close();
        assertEquals(List.of(), r.items);
    }
}
