package dev.junction.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.InputStream;

/**
 * A Jackson parser over a buffer's readable bytes, built the cheap way for a short-lived parse (one
 * stream event, one answer): over the buffer's own array when it has one, else over a copy in a
 * per-thread scratch array (a direct buffer of a few KiB costs one memcpy), and only above
 * {@link #SCRATCH_MAX} through an {@code InputStream}. A parser over an array needs no input
 * buffer of its own and no encoding detection from a stream. The buffer is not consumed.
 *
 * <p>The parser must be used and closed before the same thread asks for the next one: the scratch
 * array is reused.
 */
public final class JsonInput {

    /** Largest direct buffer copied into the scratch array. */
    static final int SCRATCH_MAX = 64 * 1024;
    private static final ThreadLocal<byte[][]> SCRATCH = ThreadLocal.withInitial(() -> new byte[][] {new byte[1024]});

    private JsonInput() {
    }

    public static JsonParser parser(JsonFactory factory, ByteBuf body) throws IOException {
        int n = body.readableBytes();
        if (body.hasArray()) {
            return factory.createParser(body.array(), body.arrayOffset() + body.readerIndex(), n);
        }
        if (n <= SCRATCH_MAX) {
            byte[][] holder = SCRATCH.get();
            byte[] scratch = holder[0];
            if (scratch.length < n) {
                scratch = new byte[Math.max(n, Math.min(SCRATCH_MAX, scratch.length * 2))];
                holder[0] = scratch;
            }
            body.getBytes(body.readerIndex(), scratch, 0, n);
            return factory.createParser(scratch, 0, n);
        }
        return factory.createParser((InputStream) new ByteBufInputStream(body.duplicate(), false));
    }
}
