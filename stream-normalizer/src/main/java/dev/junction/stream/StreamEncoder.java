package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * Writes the canonical {@link StreamEvent}s of one answer as one client door's stream: OpenAI
 * {@code chat.completion.chunk}s ({@link OpenAiChunkWriter}), Anthropic's named events, OpenAI
 * Responses' typed events. One instance per stream, not thread-safe; the frames appended to
 * {@code out} belong to the caller. A stream ends exactly once, by {@link #finish} (the answer is
 * complete) or {@link #fail} (the in-band error of SPEC §5: a cut answer never looks complete);
 * writing after that is a bug ({@link IllegalStateException}).
 */
public interface StreamEncoder {

    /** Appends the frames (zero or more) that {@code event} yields to {@code out}. */
    void write(StreamEvent event, ByteBufAllocator alloc, List<ByteBuf> out);

    /**
     * As {@link #write(StreamEvent, ByteBufAllocator, List)}, but an encoder may write its frames
     * into the buffers {@code frames} hands out (the frames of one upstream read sharing one buffer,
     * already in {@code out}) instead of a buffer each. By default it does not.
     */
    default void write(StreamEvent event, FrameBuffers frames, ByteBufAllocator alloc, List<ByteBuf> out) {
        write(event, alloc, out);
    }

    /**
     * Writes the frames of the event of {@code kind} whose text is the JSON string content
     * {@code json[from, to)} (non-empty; see {@link JsonTextSink}) without decoding it, as
     * {@link #write(StreamEvent, FrameBuffers, ByteBufAllocator, List)} writes that event with the
     * decoded text; false, with nothing written, when the encoder does not take text in this form
     * (the default) or cannot vouch for these bytes.
     */
    default boolean writeJsonText(JsonTextSink.Kind kind, int choice, int toolIndex, byte[] json, int from, int to,
            FrameBuffers frames, ByteBufAllocator alloc, List<ByteBuf> out) {
        return false;
    }

    /**
     * Hands out the buffer to write the next whole frame into: the last element of the caller's
     * {@code out} list, so that consecutive frames share one buffer. Each call counts one frame.
     */
    @FunctionalInterface
    interface FrameBuffers {
        /** A buffer (owned by the caller's {@code out}) to append one whole frame of about {@code size} bytes to. */
        ByteBuf frameBuffer(int size);
    }

    /** Ends a complete answer: appends the door's closing frames (final usage where asked, end marker). */
    void finish(ByteBufAllocator alloc, List<ByteBuf> out);

    /** Ends the stream with the door's in-band error for {@code error}. */
    void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out);
}
