package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.charset.StandardCharsets;

/**
 * Encodes SSE output frames without copying the payload (DESIGN house rule 5): the fixed parts are
 * shared, unreleasable, read-only constants, and a frame is a {@link CompositeByteBuf} of
 * {@code "data: "}, the payload and {@code "\n\n"} (wire-formats §0.1: one {@code data:} line per
 * event, the payload must not contain a line break; JSON from Jackson never does).
 *
 * <p>Every returned buffer is owned by the caller, who writes it to the channel or releases it.
 * Releasing a frame never releases the shared constants.
 */
public final class SseFrames {

    private static final ByteBuf DATA_PREFIX = constant("data: ");
    private static final ByteBuf EVENT_END = constant("\n\n");
    private static final ByteBuf DONE = constant("data: [DONE]\n\n");
    private static final ByteBuf KEEPALIVE = constant(": keepalive\n\n");

    private SseFrames() {
    }

    /**
     * {@code data: <payload>\n\n}. Takes ownership of {@code payload}: the returned frame releases
     * it when the frame is released, so the caller must not release it (retain it first to keep it).
     */
    public static ByteBuf data(ByteBufAllocator alloc, ByteBuf payload) {
        int n = payload.readableBytes();
        if (n <= COPY_BELOW) {
            // A typical chunk is a few hundred bytes: one copy into one pooled buffer costs less than
            // a composite of three the transport and the HTTP encoder must walk.
            ByteBuf frame = alloc.directBuffer(n + 8);
            try {
                frame.writeBytes(DATA_PREFIX, DATA_PREFIX.readerIndex(), DATA_PREFIX.readableBytes());
                frame.writeBytes(payload, payload.readerIndex(), n);
                frame.writeBytes(EVENT_END, EVENT_END.readerIndex(), EVENT_END.readableBytes());
            } finally {
                payload.release();
            }
            return frame;
        }
        CompositeByteBuf frame = alloc.compositeBuffer(3);
        frame.addComponents(true, DATA_PREFIX.duplicate(), payload, EVENT_END.duplicate());
        return frame;
    }

    /** Payloads up to this size are copied into the frame; larger ones are carried as they are. */
    static final int COPY_BELOW = 4096;

    /** {@code data: <json>\n\n}, wrapping {@code json} without copying (it must not change afterwards). */
    public static ByteBuf data(ByteBufAllocator alloc, byte[] json) {
        return data(alloc, Unpooled.wrappedBuffer(json));
    }

    /** {@code data: [DONE]\n\n}, the OpenAI stream terminator (wire-formats §0.2). */
    public static ByteBuf done() {
        return DONE.duplicate();
    }

    /** {@code : keepalive\n\n}, the heartbeat comment clients ignore (SPEC §5, wire-formats §0.1). */
    public static ByteBuf keepalive() {
        return KEEPALIVE.duplicate();
    }

    /** The in-band stream error of SPEC §5: {@code data: {"error":{…}}\n\n}. */
    public static ByteBuf error(ByteBufAllocator alloc, GatewayError error) {
        return data(alloc, ErrorJson.render(error, alloc));
    }

    private static ByteBuf constant(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length, bytes.length).writeBytes(bytes))
                .asReadOnly();
    }
}
