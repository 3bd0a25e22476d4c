package dev.junction.translators.anthropic;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;

import java.io.OutputStream;

/**
 * An output stream for a Jackson generator that builds a {@link CompositeByteBuf}: generated JSON
 * goes into small pooled buffers, and large carried bytes (base64 media from the client's body) are
 * spliced in as retained slices without copying (DESIGN house rule 5). The composite, once
 * {@link #finish() finished}, owns every component; until then {@link #discard()} releases them.
 */
final class CompositeJsonOutput extends OutputStream {

    private static final int CHUNK = 1024;

    private final ByteBufAllocator alloc;
    private final CompositeByteBuf composite;
    private ByteBuf current;

    CompositeJsonOutput(ByteBufAllocator alloc) {
        this.alloc = alloc;
        this.composite = alloc.compositeBuffer(Integer.MAX_VALUE);
        this.current = alloc.buffer(CHUNK);
    }

    @Override
    public void write(int b) {
        current.writeByte(b);
    }

    @Override
    public void write(byte[] b, int off, int len) {
        current.writeBytes(b, off, len);
    }

    /** Appends {@code slice} (retained here; the caller keeps its own reference) after what was written. */
    void splice(ByteBuf slice) {
        if (current.isReadable()) {
            composite.addComponent(true, current);
            current = alloc.buffer(CHUNK);
        }
        composite.addComponent(true, slice.retain());
    }

    /** The finished body; the caller owns it. */
    CompositeByteBuf finish() {
        if (current.isReadable()) {
            composite.addComponent(true, current);
        } else {
            current.release();
        }
        current = null;
        return composite;
    }

    /** Releases everything after a failure. */
    void discard() {
        if (current != null) {
            current.release();
            current = null;
        }
        composite.release();
    }
}
