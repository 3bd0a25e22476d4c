package dev.junction.core.proxy;

import dev.junction.stream.GatewayError;
import dev.junction.stream.SseDecoder;
import dev.junction.stream.SseListener;
import dev.junction.stream.StreamEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * The part every SSE-framed vendor stream shares: the decoder, the bound on one event's size, and
 * the frames list the current {@link #feed} call appends to. Subclasses handle the events.
 */
abstract class SseStreamProcessor implements StreamProcessor, SseListener {

    static final int MAX_EVENT_BYTES = 8 * 1024 * 1024;

    private final SseDecoder decoder = new SseDecoder(this, MAX_EVENT_BYTES);
    protected ByteBufAllocator alloc;
    protected List<ByteBuf> out;
    protected GatewayError vendorError;

    /** True once the stream needs no more input (an error, or its own end marker). */
    protected boolean stopped() {
        return vendorError != null;
    }

    @Override
    public final void feed(ByteBuf chunk, ByteBufAllocator alloc, List<ByteBuf> out) {
        if (stopped()) {
            return;
        }
        this.alloc = alloc;
        this.out = out;
        try {
            decoder.feed(chunk);
        } catch (SseDecoder.EventTooLargeException e) {
            vendorError = GatewayError.upstreamUnavailable(
                    "The provider sent a stream event larger than " + MAX_EVENT_BYTES + " bytes.");
        } finally {
            this.out = null;
        }
    }

    @Override
    public final GatewayError vendorError() {
        return vendorError;
    }

    @Override
    public void close() {
        decoder.close();
    }

    /**
     * Whether a canonical event is content in the sense of SPEC §5's commit point: text, reasoning,
     * a refusal or the start of a tool call. Until one arrives a failed stream can still fail over.
     */
    static boolean isContent(StreamEvent e) {
        return e instanceof StreamEvent.TextDelta || e instanceof StreamEvent.ToolCallStart
                || e instanceof StreamEvent.RefusalDelta || e instanceof StreamEvent.ReasoningDelta;
    }
}
