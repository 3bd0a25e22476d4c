package dev.junction.translators.json;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.io.OutputStream;

/**
 * A vendor request body under construction (shared by the translating adapters): JSON text written through this stream goes into pooled
 * buffers, and {@link #appendSlice} splices a retained slice of the client's request body in
 * between (DESIGN house rule 5: base64 media is carried, not decoded to a String). The result is
 * one {@link CompositeByteBuf} that owns every piece. Single use; {@link #finish} or
 * {@link #discard} exactly once.
 */
public final class SlicedJsonBody extends OutputStream {

    private static final int SEGMENT = 1024;

    private final ByteBufAllocator alloc;
    private final CompositeByteBuf composite;
    private ByteBuf current;

    public SlicedJsonBody(ByteBufAllocator alloc) {
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
    public void appendSlice(ByteBuf slice) {
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
    public ByteBuf finish() {
        ByteBuf last = current;
        current = null;
        composite.addComponent(true, last);
        return composite;
    }

    /** Releases everything after a failed translation. */
    public void discard() {
        if (current != null) {
            current.release();
            current = null;
        }
        composite.release();
    }
}
