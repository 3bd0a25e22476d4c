package dev.junction.translators.stream;

import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * Turns one upstream event stream into the client's OpenAI SSE frames, for one attempt, and judges
 * it by the rules of SPEC §5 ({@link dev.junction.stream.StreamGuard}): whether content was
 * produced (the commit point), whether the stream is complete, and which error a failure is. The
 * exchange holds frames back until {@link #hasContent()} and decides what a failure means for the
 * request. Not thread-safe; driven by the request's event loop.
 */
public interface StreamProcessor {

    /**
     * Feeds upstream body bytes (not owned: the caller releases {@code chunk}); appends frames to
     * {@code out}, in order. A buffer appended may hold several whole frames (those of one upstream
     * read, written together); the caller owns every buffer appended.
     */
    void feed(ByteBuf chunk, ByteBufAllocator alloc, List<ByteBuf> out);

    /**
     * Like {@link #feed(ByteBuf, ByteBufAllocator, List)}, continuing the caller's buffer
     * {@code into}: it becomes the first element of {@code out} (the caller owns it again there),
     * and a processor that writes its frames into a buffer of its own writes them after
     * {@code into}'s readable bytes instead of into a new buffer. {@code into} must be a growable
     * direct buffer that nothing else shares (the client batch of the exchange, not yet sent); its
     * bytes before the call are left as they are. The default appends it and feeds as usual.
     */
    default void feed(ByteBuf chunk, ByteBufAllocator alloc, List<ByteBuf> out, ByteBuf into) {
        out.add(into);
        feed(chunk, alloc, out);
    }

    /** True once a frame carrying content (text, tool call, refusal, reasoning) has been produced. */
    boolean hasContent();

    /**
     * A failure seen inside the stream (e.g. an {@code error} event), as the SPEC §5 rules judge
     * it: the vendor's error while nothing was committed, the in-band {@code stream_interrupted}
     * after; null while the stream is fine, and also when the failure came after every choice had
     * finished (the stream is then complete). Once set, the exchange stops feeding.
     */
    GatewayError vendorError();

    /**
     * The upstream body ended. Appends the closing frames ({@code [DONE]}, usage if asked) and
     * returns null, or returns the error describing why the stream is incomplete.
     */
    GatewayError end(ByteBufAllocator alloc, List<ByteBuf> out);

    /**
     * The upstream connection failed mid-body with {@code cause}. Appends the closing frames and
     * returns null when the answer was already whole (every choice finished), else returns the
     * error to report, judged as {@link #vendorError()} is.
     */
    GatewayError cut(GatewayError cause, ByteBufAllocator alloc, List<ByteBuf> out);

    /** Appends the in-band error frame for {@code error} (SPEC §5). */
    void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out);

    /**
     * How many SSE frames (events) this processor has produced so far, for estimating what an
     * abandoned stream produced; 0 when it does not count them (the caller then counts buffers).
     */
    default long frames() {
        return 0;
    }

    /** The usage reported so far (null when the vendor gave none). */
    Usage usage();

    /** Releases what the processor holds. Idempotent. */
    void close();
}
