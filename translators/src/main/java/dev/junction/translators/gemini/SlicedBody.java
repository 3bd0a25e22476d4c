package dev.junction.translators.gemini;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.io.OutputStream;

/**
 * The vendor body under construction: JSON text written through this stream goes into pooled
 * buffers, and {@link #appendSlice} splices a retained slice of the client's request body in
 * between (DESIGN house rule 5: base64 media is carried, not decoded to a String). The result is
 * one {@link CompositeByteBuf} that owns every piece. Single use; {@link #finish} or
 * {@link #discard} exactly once.
 */
final class SlicedBody extends OutputStream {

    private static final int SEGMENT = 1024;

    private final ByteBufAllocator alloc;
    private final CompositeByteBuf composite;
    private ByteBuf current;

    SlicedBody(ByteBufAllocator alloc) {
        this.alloc = alloc;
        // No component cap: past maxNumComponents Netty consolidates, i.e. copies every slice.
        this.composite = alloc.compositeBuffer(Integer.MAX_VALUE);
        this.current = alloc.buffer(SEGMENT);
    }

    @Override
    public void write(int b) {
        current.writeByte(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        current.writeBytes(b, off, len);
    }

    /**
     * Appends {@code slice}, taking ownership of it (the caller passes a {@code retainedSlice}).
     * Everything written before must have been flushed into this stream.
     */
    void appendSlice(ByteBuf slice) {
        ByteBuf written = current;
        current = null;
        try {
            composite.addComponent(true, written);
        } catch (RuntimeException e) {
            slice.release();
            throw e;
        }
        composite.addComponent(true, slice);
        current = alloc.buffer(SEGMENT);
    }

    /** The finished body; the caller owns it. */
    ByteBuf finish() {
        ByteBuf last = current;
        current = null;
        composite.addComponent(true, last);
        return composite;
    }

    /** Releases everything after a failed translation. */
    void discard() {
        if (current != null) {
            current.release();
            current = null;
        }
        composite.release();
    }
}
