package dev.junction.translators.stream;

import dev.junction.stream.GatewayError;
import dev.junction.stream.SseDecoder;
import dev.junction.stream.SseListener;
import dev.junction.stream.StreamGuard;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * The part every SSE-framed vendor stream shares: the decoder, the bound on one event's size, the
 * frames list the current {@link #feed} call appends to, and the {@link StreamGuard} that applies
 * SPEC §5 to the stream. Subclasses handle the events, report content and finishes to the guard,
 * and call {@link #failed} for an error inside the stream and {@link #completed()} when the
 * vendor's own end marker arrives.
 */
abstract class SseStreamProcessor implements StreamProcessor, SseListener {

    static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;

    private final SseDecoder decoder;
    protected final StreamGuard guard;
    protected ByteBufAllocator alloc;
    protected List<ByteBuf> out;
    private GatewayError failure;
    private boolean complete;
    /** The buffer the current call's frames are written into (the last element of {@link #out}), or null. */
    private ByteBuf frameBuffer;
    private long frames;

    /** @param choices how many choices the answer has (the request's {@code n}) */
    SseStreamProcessor(int choices) {
        this(choices, null);
    }

    /**
     * @param lineScanner reads each data line's value while the decoder looks for the line's end
     *                    ({@link SseDecoder.LineScanner}), or null
     */
    SseStreamProcessor(int choices, SseDecoder.LineScanner lineScanner) {
        this.guard = new StreamGuard(Math.max(1, choices));
        this.decoder = new SseDecoder(this, MAX_EVENT_BYTES, io.netty.buffer.ByteBufAllocator.DEFAULT, lineScanner);
    }

    /** True once the stream needs no more input (a failure, or its end). */
    protected final boolean stopped() {
        return failure != null || complete;
    }

    /** An error inside the stream, judged by the guard: a failure, or a complete end when every choice finished. */
    protected final void failed(GatewayError cause) {
        StreamGuard.Verdict v = guard.upstreamFailed(cause);
        if (v.complete()) {
            complete = true;
        } else {
            failure = v.error();
        }
    }

    /** The vendor's own end marker arrived ({@code [DONE]}, {@code message_stop}): the stream is complete. */
    protected final void completed() {
        complete = true;
    }

    @Override
    public final void feed(ByteBuf chunk, ByteBufAllocator alloc, List<ByteBuf> out) {
        feed(chunk, alloc, out, null);
    }

    /** The frames this call writes into a buffer of its own go after {@code into}'s bytes. */
    @Override
    public final void feed(ByteBuf chunk, ByteBufAllocator alloc, List<ByteBuf> out, ByteBuf into) {
        fedOut = null;
        fedBuffer = null;
        if (into != null) {
            out.add(into);
        }
        if (stopped()) {
            fedAt(out, into);
            return;
        }
        this.alloc = alloc;
        this.out = out;
        this.frameBuffer = into;
        try {
            decoder.feed(chunk);
            fedAt(out, frameBuffer);
        } catch (SseDecoder.EventTooLargeException e) {
            failed(GatewayError.upstreamUnavailable("The provider sent a stream event larger than " + MAX_EVENT_BYTES
                    + " bytes."));
        } finally {
            this.out = null;
            this.frameBuffer = null;
        }
    }

    /**
     * The last {@link #feed} left {@code buffer} (its frame buffer, or the caller's {@code into})
     * as the last of {@code out}'s buffers: an {@link #end} right after it, with that same list,
     * may write the closing frames there ({@link #closingFrame}).
     */
    private void fedAt(List<ByteBuf> out, ByteBuf buffer) {
        if (buffer != null && !out.isEmpty() && out.get(out.size() - 1) == buffer) {
            fedOut = out;
            fedBuffer = buffer;
        }
    }

    /** The list and buffer of {@link #fedAt}, until the next call. */
    private List<ByteBuf> fedOut;
    private ByteBuf fedBuffer;

    /**
     * A buffer to write one whole frame of at least {@code size} bytes into, at the end of
     * {@link #out}: the frames of one {@link #feed} call share one buffer (one allocation, and the
     * exchange sends them as one write) as long as nothing else was appended to {@code out} in
     * between; that buffer is the caller's {@code into} when it passed one. Counts the frame
     * ({@link #frames()} counts only frames written this way).
     */
    protected final ByteBuf frameBuffer(int size) {
        ByteBuf b = frameBuffer;
        if (b == null || out.isEmpty() || out.get(out.size() - 1) != b) {
            b = alloc.directBuffer(FRAME_HEADROOM + Math.max(FRAME_BUFFER_INITIAL, size));
            b.setIndex(FRAME_HEADROOM, FRAME_HEADROOM);
            out.add(b);
            frameBuffer = b;
        }
        frames++;
        return b;
    }

    /** A read's worth of typical chunks without growing. */
    private static final int FRAME_BUFFER_INITIAL = 4096;

    /**
     * Free bytes a frame buffer keeps in front of its frames: room for the transport's framing (an
     * HTTP chunk's size line), so that the client side can send the buffer as it is.
     */
    public static final int FRAME_HEADROOM = 16;

    /**
     * Writes a closing frame ({@code bytes}, e.g. {@code data: [DONE]}) after the frames of the
     * {@link #feed} that came just before this {@link #end}, when their buffer is still the last of
     * {@code out}: the stream's last bytes then leave in the buffer its other frames are in, with
     * no buffer of their own to copy. False (nothing written) when there is no such buffer.
     */
    protected final boolean closeInFedBuffer(List<ByteBuf> out, byte[] bytes) {
        ByteBuf b = fedBuffer;
        if (b == null || out != fedOut || out.isEmpty() || out.get(out.size() - 1) != b) {
            return false;
        }
        b.writeBytes(bytes);
        return true;
    }

    @Override
    public final long frames() {
        return frames;
    }

    @Override
    public final boolean hasContent() {
        return guard.committed();
    }

    @Override
    public final GatewayError vendorError() {
        return failure;
    }

    @Override
    public final GatewayError end(ByteBufAllocator alloc, List<ByteBuf> out) {
        try {
            return ended(alloc, out);
        } finally {
            fedOut = null;
            fedBuffer = null;
        }
    }

    private GatewayError ended(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (!stopped()) {
            this.alloc = alloc;
            this.out = out;
            try {
                upstreamEnded();
            } finally {
                this.out = null;
                this.frameBuffer = null;
            }
        }
        if (failure != null) {
            return failure;
        }
        if (!complete) {
            StreamGuard.Verdict v = guard.upstreamEnded();
            if (!v.complete()) {
                failure = v.error();
                return failure;
            }
        }
        finish(alloc, out);
        return null;
    }

    @Override
    public final GatewayError cut(GatewayError cause, ByteBufAllocator alloc, List<ByteBuf> out) {
        fedOut = null;
        fedBuffer = null;
        if (failure == null && !complete) {
            failed(cause);
        }
        if (failure != null) {
            return failure;
        }
        finish(alloc, out);
        return null;
    }

    /** The upstream body ended before the stream stopped: a translator may still emit its last events here. */
    protected void upstreamEnded() {
    }

    /** Appends the frames that close a complete stream ({@code [DONE]}, usage if asked). */
    protected abstract void finish(ByteBufAllocator alloc, List<ByteBuf> out);

    @Override
    public void close() {
        decoder.close();
    }
}
