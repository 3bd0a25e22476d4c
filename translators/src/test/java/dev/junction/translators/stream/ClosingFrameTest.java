package dev.junction.translators.stream;

import dev.junction.translators.VendorRegistry;
import dev.junction.translators.spi.Target;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The closing {@code [DONE]} goes into the buffer the last read's frames are in when that buffer
 * is still the last of the list {@code end} gets (a burst's last piece, the stream's end right
 * after it), and into a buffer of its own otherwise; the client's bytes are the same either way.
 * Frame buffers keep room in front for the client side's chunk framing.
 */
class ClosingFrameTest {

    private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
    private static final String HEAD = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";
    private static final String CONTENT = event("{\"content\":\"Hi\"}", null);
    private static final String FINISH = event("{}", "\"stop\"");

    private static String event(String delta, String finish) {
        return "data: " + HEAD + "\"choices\":[{\"index\":0,\"delta\":" + delta + ",\"finish_reason\":" + finish + "}]}\n\n";
    }

    private static PassThroughStreamProcessor processor() {
        return new PassThroughStreamProcessor(false, 1, VendorRegistry.passThrough("openai"),
                new Target("p", "openai", "http://h", "m", null, Map.of(), Map.of()));
    }

    private static void feed(StreamProcessor p, String sse, List<ByteBuf> out, ByteBuf into) {
        ByteBuf b = ALLOC.directBuffer().writeBytes(sse.getBytes(StandardCharsets.UTF_8));
        try {
            if (into == null) {
                p.feed(b, ALLOC, out);
            } else {
                p.feed(b, ALLOC, out, into);
            }
        } finally {
            b.release();
        }
    }

    private static String text(List<ByteBuf> out) {
        StringBuilder s = new StringBuilder();
        out.forEach(b -> s.append(b.toString(StandardCharsets.UTF_8)));
        return s.toString();
    }

    @Test
    void doneFollowsTheLastPiecesFramesInTheirBuffer() {
        PassThroughStreamProcessor p = processor();
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, CONTENT + FINISH, out, null);
            assertEquals(1, out.size());
            ByteBuf frames = out.get(0);
            assertTrue(frames.readerIndex() >= SseStreamProcessor.FRAME_HEADROOM, "room in front for the chunk's size line");
            assertNull(p.end(ALLOC, out));
            assertEquals(1, out.size(), "no buffer of its own for [DONE]");
            assertSame(frames, out.get(0));
            assertEquals(CONTENT + FINISH + "data: [DONE]\n\n", text(out));
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void afterTheVendorsDoneTheEmptyLastPieceLendsItsBatch() {
        // The burst's shape: [DONE] in a piece of its own, then the empty last piece with the batch lent.
        PassThroughStreamProcessor p = processor();
        List<ByteBuf> out = new ArrayList<>();
        ByteBuf batch = ALLOC.directBuffer(64).writeBytes("earlier\n\n".getBytes(StandardCharsets.US_ASCII));
        try {
            feed(p, CONTENT + FINISH + "data: [DONE]\n\n", out, null);
            String first = text(out);
            out.forEach(ByteBuf::release);
            out.clear();
            feed(p, "", out, batch);
            assertNull(p.end(ALLOC, out));
            assertEquals(1, out.size());
            assertSame(batch, out.get(0));
            assertEquals(CONTENT + FINISH, first);
            assertEquals("earlier\n\ndata: [DONE]\n\n", text(out));
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void anEndWithAnotherListGetsDoneInABufferOfItsOwn() {
        PassThroughStreamProcessor p = processor();
        List<ByteBuf> out = new ArrayList<>();
        List<ByteBuf> other = new ArrayList<>();
        try {
            feed(p, CONTENT + FINISH, out, null);
            ByteBuf frames = out.get(0);
            int before = frames.readableBytes();
            other.add(frames.retain()); // the same buffer, but not the list the feed wrote to
            assertNull(p.end(ALLOC, other));
            assertEquals(2, other.size());
            assertEquals(before, frames.readableBytes(), "the fed buffer is left alone");
            assertEquals("data: [DONE]\n\n", other.get(1).toString(StandardCharsets.UTF_8));
        } finally {
            out.forEach(ByteBuf::release);
            other.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void aBufferHandedOnBetweenFeedAndEndIsLeftAlone() {
        // The piece's frames went to the client (the list was emptied) before the end came.
        PassThroughStreamProcessor p = processor();
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, CONTENT + FINISH, out, null);
            ByteBuf sent = out.remove(0);
            int before = sent.readableBytes();
            assertNull(p.end(ALLOC, out));
            assertEquals(before, sent.readableBytes());
            sent.release();
            assertEquals("data: [DONE]\n\n", text(out));
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }

    @Test
    void aFeedAfterwardsForgetsTheEarlierBuffer() {
        PassThroughStreamProcessor p = processor();
        List<ByteBuf> out = new ArrayList<>();
        try {
            feed(p, CONTENT + FINISH, out, null);
            ByteBuf first = out.get(0);
            int before = first.readableBytes();
            feed(p, ": comment\n\n", out, null); // writes no frame: the list still ends with the first buffer
            assertNull(p.end(ALLOC, out), "every choice finished");
            assertEquals(before, first.readableBytes(), "not written into by an end that does not follow its feed");
            assertEquals(2, out.size());
            assertEquals(CONTENT + FINISH + "data: [DONE]\n\n", text(out));
        } finally {
            out.forEach(ByteBuf::release);
            p.close();
        }
    }
}
