package dev.junction.core.proxy;

import dev.junction.core.http.EncodedStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The buffer rules of a stream's batch ({@link StreamBatch}) on an embedded channel: which frames
 * become the batch and which are copied, lending the batch and taking it back with or without what
 * was written after lending, and what is written, as a chunk and as the stream's end, in wire form
 * and through the chunk encoder's messages.
 */
class StreamBatchTest {

    private final EmbeddedChannel ch = new EmbeddedChannel();
    private final ByteBufAllocator alloc = ch.alloc();

    @AfterEach
    void close() {
        assertFalse(ch.finishAndReleaseAll(), "a message was written that the test did not read");
    }

    @Test
    void aPlainFirstFrameBecomesTheBatchAndLaterFramesAreCopiedIntoIt() {
        StreamBatch batch = new StreamBatch(ch, false);
        ByteBuf first = direct("data: a\n\n");
        ByteBuf second = Unpooled.copiedBuffer("data: b\n\n", StandardCharsets.US_ASCII);
        batch.append(first);
        batch.append(second);
        assertEquals(0, second.refCnt(), "a copied frame is released");
        batch.write();
        HttpContent chunk = written();
        assertSame(first, chunk.content(), "no copy of the first frame");
        assertEquals("data: a\n\ndata: b\n\n", text(chunk));
    }

    @Test
    void viewsSharedHeapAndCompositeFramesAreCopied() {
        List<Function<ByteBuf, ByteBuf>> views = List.of(
                b -> b.slice(),
                b -> b.duplicate(),
                b -> b.asReadOnly(),
                b -> b.retainedSlice(),
                b -> alloc.compositeDirectBuffer().addComponent(true, b.retain()));
        for (Function<ByteBuf, ByteBuf> view : views) {
            ByteBuf root = direct("data: x\n\n");
            ByteBuf frame = view.apply(root);
            assertFalse(StreamBatch.adoptable(frame, false), frame.getClass().getName());
            StreamBatch batch = new StreamBatch(ch, false);
            int held = root.refCnt();
            batch.append(frame);
            assertEquals(held - 1, root.refCnt(), "the frame's reference is released once it is copied");
            if (root.refCnt() > 0) {
                root.release(); // the view held a reference of its own (a retained slice, a composite)
            }
            batch.write();
            HttpContent chunk = written();
            assertNotSame(frame, chunk.content());
            assertEquals("data: x\n\n", text(chunk));
        }
        ByteBuf heap = Unpooled.copiedBuffer("data: h\n\n", StandardCharsets.US_ASCII);
        assertFalse(StreamBatch.adoptable(heap, false));
        ByteBuf shared = direct("data: s\n\n").retain();
        assertFalse(StreamBatch.adoptable(shared, false), "a buffer someone else holds too");
        StreamBatch batch = new StreamBatch(ch, false);
        batch.append(heap);
        batch.append(shared);
        assertEquals(1, shared.refCnt(), "the batch let go of its reference only");
        shared.release();
        batch.write();
        HttpContent chunk = written();
        assertEquals("data: h\n\ndata: s\n\n", text(chunk));
    }

    @Test
    void inWireFormOnlyAFrameWithRoomForTheSizeLineIsAdopted() {
        ByteBuf tight = direct("data: a\n\n");
        assertTrue(StreamBatch.adoptable(tight, false));
        assertFalse(StreamBatch.adoptable(tight, true), "no room in front for the chunk's size line");
        ByteBuf roomy = EncodedStream.newBatch(alloc, 64).writeBytes(ascii("data: b\n\n"));
        assertTrue(StreamBatch.adoptable(roomy, true));

        StreamBatch batch = new StreamBatch(ch, true);
        batch.append(tight);
        batch.write();
        HttpContent chunk = written();
        assertEquals("9\r\ndata: a\n\n\r\n", text(chunk));

        batch.append(roomy);
        batch.write();
        chunk = written();
        assertSame(roomy, chunk.content(), "the size line is written in front, in the same buffer");
        assertEquals("9\r\ndata: b\n\n\r\n", text(chunk));
    }

    @Test
    void aLentBatchComesBackWithWhatWasWrittenAfterTheMark() {
        StreamBatch batch = new StreamBatch(ch, true);
        batch.append(direct("data: a\n\n"));
        ByteBuf lent = batch.lend();
        assertNotNull(lent);
        assertFalse(batch.readable(), "nothing waits while the batch is lent");
        int length = lent.writerIndex();
        lent.writeBytes(ascii("data: b\n\n"));
        assertTrue(batch.isLent(lent));
        assertEquals(length, batch.takeBack(), "the new bytes start where the batch ended when lent");
        assertFalse(batch.isLent(lent));
        batch.write();
        assertEquals("12\r\ndata: a\n\ndata: b\n\n\r\n", text(written()));
    }

    @Test
    void givingTheBatchBackDropsWhatWasWrittenAfterLending() {
        StreamBatch batch = new StreamBatch(ch, false);
        batch.append(direct("data: a\n\n"));
        ByteBuf lent = batch.lend();
        lent.writeBytes(ascii("data: b\n\n"));
        ByteBuf other = direct("data: c\n\n");
        assertThrows(IllegalStateException.class, () -> batch.giveBack(other));
        other.release();
        batch.giveBack(lent);
        assertTrue(batch.readable());
        batch.write();
        assertEquals("data: a\n\n", text(written()));
    }

    @Test
    void onlyAStreamInWireFormStartsABatchToLend() {
        StreamBatch plain = new StreamBatch(ch, false);
        assertNull(plain.lend(), "outside wire form a processor writes buffers of its own");

        StreamBatch wire = new StreamBatch(ch, true);
        ByteBuf lent = wire.lend();
        assertEquals(EncodedStream.HEADROOM, lent.readerIndex(), "room for the size line in front");
        wire.giveBack(lent);
        assertFalse(wire.readable());
        wire.write();
        assertNull(ch.readOutbound(), "an empty chunk would end the stream: none is written");
        wire.release();
        assertEquals(0, lent.refCnt());
        assertNull(wire.lend(), "a released stream starts no batch");
    }

    @Test
    void theEndCarriesTheWaitingFramesAndTheTerminalChunkInWireForm() {
        StreamBatch batch = new StreamBatch(ch, true);
        batch.append(direct("data: [DONE]\n\n"));
        Object last = batch.last();
        assertEquals("e\r\ndata: [DONE]\n\n\r\n0\r\n\r\n", text((HttpContent) last));
        assertNull(batch.lend(), "an ended stream starts no batch");

        StreamBatch empty = new StreamBatch(ch, true);
        last = empty.last();
        assertEquals("0\r\n\r\n", text((HttpContent) last));
    }

    @Test
    void withoutWireFormTheWaitingFramesAreAChunkBeforeTheEmptyEnd() {
        StreamBatch batch = new StreamBatch(ch, false);
        batch.append(direct("data: [DONE]\n\n"));
        assertSame(LastHttpContent.EMPTY_LAST_CONTENT, batch.last());
        assertEquals("data: [DONE]\n\n", text(written()));
        assertNull(ch.readOutbound());
    }

    private ByteBuf direct(String s) {
        return alloc.directBuffer(64).writeBytes(ascii(s));
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The one message written since the last look, flushed and taken off the channel. */
    private HttpContent written() {
        ch.flush();
        HttpContent m = ch.readOutbound();
        assertNotNull(m, "nothing was written");
        assertNull(ch.readOutbound(), "more than one message was written");
        return m;
    }

    /** The content's bytes as text; the message is released. */
    private static String text(HttpContent m) {
        try {
            return m.content().toString(StandardCharsets.US_ASCII);
        } finally {
            m.release();
        }
    }
}
