package dev.junction.core.proxy;

import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * Turns one upstream event stream into the client's OpenAI SSE frames, for one attempt. The
 * exchange owns the commit point (SPEC §5): it holds back frames until {@link #hasContent()}.
 * Not thread-safe; driven by the request's event loop.
 */
public interface StreamProcessor {

    /** Feeds upstream body bytes (not owned: the caller releases {@code chunk}); appends frames to {@code out}. */
    void feed(ByteBuf chunk, ByteBufAllocator alloc, List<ByteBuf> out);

    /** True once a frame carrying content (text, tool call, refusal, reasoning) has been produced. */
    boolean hasContent();

    /**
     * A vendor error seen inside the stream (e.g. an {@code error} event), or null. Once set, the
     * exchange stops feeding: it fails over if nothing was committed, or reports it in-band.
     */
    GatewayError vendorError();

    /**
     * The upstream body ended. Appends the closing frames ({@code [DONE]}, usage if asked) and
     * returns null, or returns the error describing why the stream is incomplete.
     */
    GatewayError end(ByteBufAllocator alloc, List<ByteBuf> out);

    /** Appends the in-band error frame for {@code error} (SPEC §5). */
    void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out);

    /** The usage reported so far (null when the vendor gave none). */
    Usage usage();

    /** Releases what the processor holds. Idempotent. */
    void close();
}
