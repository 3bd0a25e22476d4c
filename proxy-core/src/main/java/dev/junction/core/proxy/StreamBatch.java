package dev.junction.core.proxy;

import dev.junction.core.http.EncodedStream;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The frames of a streamed answer not yet written to the client: one buffer that the frames of an
 * event-loop round are gathered into and that leaves as one HTTP chunk (docs/performance.md, "One
 * write per upstream read on streams"). It owns that buffer and its ownership rules: the first
 * frame of a batch becomes the batch when it is a plain buffer of its own ({@link #adoptable}),
 * later frames are copied in; the batch can be lent to a stream processor, which writes the next
 * frames straight after its bytes, and comes back either with them ({@link #takeBack}) or without
 * ({@link #giveBack}). In wire form ({@link EncodedStream}) a batch keeps room for the chunk's size
 * line in front and the stream's end is its last frames and the terminal chunk in one buffer.
 *
 * <p>It does not decide when to write or flush (its {@link ClientAnswer} schedules the flush after
 * the event loop's I/O round), write the stream's head, record frames for the cache, count them,
 * or end the exchange. Made when the stream's head goes out; confined to the client's event loop.
 */
final class StreamBatch {

    /** First size of a batch buffer: a read's worth of typical chunks without growing. */
    static final int INITIAL = 4096;

    /** What an adopted buffer must still be able to grow by (a pooled buffer can grow to 2 GiB). */
    static final int GROWTH_ROOM = 1 << 20;

    private final Channel client;
    /** The stream's head went out in wire form: so do its chunks and its end ({@link EncodedStream}). */
    private final boolean wire;
    /** Frames not yet written to the client, or null. */
    private ByteBuf batch;
    /** The batch while lent ({@link #lend}), and its length when it was lent. */
    private ByteBuf lent;
    private int lentMark;
    /** The stream ended ({@link #last}) or was dropped ({@link #release}): no new batch is started. */
    private boolean closed;

    StreamBatch(Channel client, boolean wire) {
        this.client = client;
        this.wire = wire;
    }

    /** Whether the stream goes out in wire form. */
    boolean wire() {
        return wire;
    }

    /**
     * The batch of frames not yet sent, lent so that the stream processor writes the next frames
     * straight after its bytes ({@code StreamProcessor.feed(.., into)}) rather than into a buffer of
     * their own that {@link #append} copies in; or null when there is none. The caller gives it back
     * through {@link #takeBack} (only the bytes written after lending are new) or {@link #giveBack}.
     * A stream in wire form always has one to lend (a new, empty one when none is waiting), so its
     * frames land where the chunk's size line fits in front of them.
     */
    ByteBuf lend() {
        if (batch == null && wire && !closed) {
            batch = EncodedStream.newBatch(client.alloc(), INITIAL);
        }
        ByteBuf b = batch;
        if (b != null) {
            batch = null;
            lent = b;
            lentMark = b.writerIndex();
        }
        return b;
    }

    /** Whether {@code frame} is the lent batch, back with more frames after its earlier bytes. */
    boolean isLent(ByteBuf frame) {
        return frame == lent;
    }

    /**
     * Takes the lent batch back with what was written after lending: it is the batch again. Returns
     * where the new bytes start (those before were counted when they were added).
     */
    int takeBack() {
        // Nothing wrote to the batch while it was lent (one event loop, one call), so there is no other.
        batch = lent;
        lent = null;
        return lentMark;
    }

    /** Takes a lent batch back unsent-to: whatever was written after lending is dropped. */
    void giveBack(ByteBuf b) {
        if (b != lent) {
            throw new IllegalStateException("not the lent batch");
        }
        lent = null;
        b.writerIndex(lentMark);
        if (batch != null) {
            // Nothing writes to the batch while it is lent (one event loop, one call).
            b.release();
            throw new IllegalStateException("a batch was started while one was lent");
        }
        batch = b;
    }

    /**
     * Adds {@code frame} to the batch (taking ownership): the first frame of a batch becomes the
     * batch when it is a plain buffer of its own (a stream processor writes the frames of one
     * upstream read into one such buffer), the others are copied into it and released.
     */
    void append(ByteBuf frame) {
        if (batch == null && adoptable(frame, wire)) {
            batch = frame;
            return;
        }
        try {
            int n = frame.readableBytes();
            if (n == 0) {
                return;
            }
            if (batch == null) {
                batch = wire ? EncodedStream.newBatch(client.alloc(), Math.max(INITIAL, n))
                        : client.alloc().directBuffer(Math.max(INITIAL, n));
            }
            batch.writeBytes(frame, frame.readerIndex(), n);
        } finally {
            frame.release();
        }
    }

    /** Whether frames wait to be written. */
    boolean readable() {
        return batch != null && batch.isReadable();
    }

    /** Writes the batch as one chunk, unflushed (an empty batch stays: an empty chunk would end the stream). */
    void write() {
        ByteBuf b = batch;
        if (b != null && b.isReadable()) {
            batch = null;
            client.write(wire ? EncodedStream.chunk(b, client.alloc()) : new DefaultHttpContent(b));
        }
    }

    /**
     * Ends the stream: its last message, for the caller to write. In wire form that is the frames
     * waiting and the terminal chunk in one buffer; else the frames waiting are written as a chunk
     * first and the last message is the empty terminal one.
     */
    Object last() {
        closed = true;
        if (wire) {
            ByteBuf b = batch;
            batch = null;
            return EncodedStream.last(b, client.alloc());
        }
        write();
        release(); // an empty one
        return LastHttpContent.EMPTY_LAST_CONTENT;
    }

    /** Drops what waits (the stream was cut off); nothing new is started after this. */
    void release() {
        closed = true;
        if (batch != null) {
            batch.release();
            batch = null;
        }
    }

    /**
     * A direct buffer that shares its memory with no other (not a slice, duplicate, read-only view
     * or composite; one reference) and can grow: the batch may be it, and later frames are written
     * after its bytes. In wire form it must also have the room for the chunk's size line in front
     * ({@link EncodedStream#HEADROOM}; stream processors leave it), or the whole batch would be
     * copied when it is sent.
     */
    static boolean adoptable(ByteBuf frame, boolean wire) {
        return frame.isDirect() && !(frame instanceof CompositeByteBuf) && !frame.isReadOnly()
                && (!wire || frame.readerIndex() >= EncodedStream.HEADROOM)
                && frame.refCnt() == 1 && frame.isReadable()
                && frame.maxCapacity() - frame.writerIndex() >= GROWTH_ROOM
                && ownMemory(frame);
    }

    /** Not a view of another buffer: a root buffer, or the leak detector's wrapper of one. */
    static boolean ownMemory(ByteBuf frame) {
        ByteBuf inner = frame.unwrap();
        return inner == null || (LEAK_AWARE != null && LEAK_AWARE.isInstance(frame) && inner.unwrap() == null);
    }

    /** Netty's leak-detection wrapper (package-private there), which delegates to the buffer it tracks. */
    private static final Class<?> LEAK_AWARE = leakAwareClass();

    private static Class<?> leakAwareClass() {
        try {
            return Class.forName("io.netty.buffer.SimpleLeakAwareByteBuf");
        } catch (ClassNotFoundException e) {
            return null;
        }
    }
}
