package dev.junction.core.proxy;

import dev.junction.stream.GatewayError;
import dev.junction.stream.OpenAiChunkInspector;
import dev.junction.stream.SseEvent;
import dev.junction.stream.SseFrames;
import dev.junction.stream.Usage;
import dev.junction.translators.passthrough.PassThroughVendor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;

import java.util.List;

/**
 * Forwards an OpenAI-shaped vendor stream to the client as the vendor's own chunk bytes (each
 * {@code data:} payload is a retained slice, never re-serialised), while watching it: the usage
 * chunk Junction asked for is kept for accounting and passed on only if the client asked for it
 * (SPEC §5), a vendor error chunk stops the stream, and an end without {@code [DONE]} and without
 * any finish_reason is a truncation, never reported as complete.
 */
final class PassThroughStreamProcessor extends SseStreamProcessor {

    private final boolean clientWantsUsage;
    private final PassThroughVendor vendor;
    private final OpenAiChunkInspector inspector = new OpenAiChunkInspector();
    private boolean content;
    private boolean done;
    private boolean finishSeen;
    private int chunks;
    private Usage usage;

    PassThroughStreamProcessor(boolean clientWantsUsage, PassThroughVendor vendor) {
        this.clientWantsUsage = clientWantsUsage;
        this.vendor = vendor;
    }

    @Override
    protected boolean stopped() {
        return super.stopped() || done;
    }

    @Override
    public void onEvent(SseEvent event) {
        if (stopped()) {
            return;
        }
        ByteBuf data = event.data();
        OpenAiChunkInspector.Result r = inspector.inspect(data);
        if (r.done()) {
            done = true;
            return;
        }
        if (r.error() || r.malformed()) {
            vendorError = r.error() ? vendor.error(500, null, data)
                    : new GatewayError(502, "upstream_error", "upstream_unavailable", null,
                    "The provider sent a stream chunk that is not valid JSON.", true, true, true, null);
            return;
        }
        if (r.hasUsage()) {
            usage = r.usage();
        }
        if (r.finishCount() > 0) {
            finishSeen = true;
        }
        if (r.choicesEmpty() && (!r.hasUsage() || !clientWantsUsage)) {
            // Usage the client did not ask for, or Azure's prompt-filter chunk that opens a stream
            // with choices:[] and an empty id/model (wire-formats §6.2): neither is for the client.
            return;
        }
        if (r.content()) {
            content = true;
        }
        chunks++;
        out.add(SseFrames.data(alloc, clientWantsUsage ? data.retainedSlice() : withoutNullUsage(data)));
    }

    /**
     * Asking the vendor for usage makes it add {@code "usage":null} to every chunk; a client that did
     * not ask must not see it (OpenAI's chunk schema has no null usage). The member is cut out of the
     * bytes: {@code ,"usage":null} cannot occur inside a JSON string (a quote there is escaped), so a
     * match is always the member itself. Other spellings (with spaces) are left as sent.
     */
    private ByteBuf withoutNullUsage(ByteBuf data) {
        int at = ByteBufUtil.indexOf(NULL_USAGE, data);
        if (at < 0) {
            return data.retainedSlice();
        }
        int end = at + NULL_USAGE.readableBytes();
        return alloc.compositeBuffer(2)
                .addComponent(true, data.retainedSlice(data.readerIndex(), at - data.readerIndex()))
                .addComponent(true, data.retainedSlice(end, data.writerIndex() - end));
    }

    private static final ByteBuf NULL_USAGE = io.netty.buffer.Unpooled.unreleasableBuffer(
            io.netty.buffer.Unpooled.wrappedBuffer(",\"usage\":null".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));

    @Override
    public boolean hasContent() {
        return content;
    }

    @Override
    public GatewayError end(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (done || finishSeen) {
            // Some OpenAI-compatible servers omit [DONE]; a stream whose choices finished is complete.
            out.add(SseFrames.done());
            return null;
        }
        return new GatewayError(502, "upstream_error", "upstream_unavailable", null,
                "The provider ended the stream after " + chunks + " chunks without finishing it.", true, true, true, null);
    }

    @Override
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        out.add(SseFrames.error(alloc, error));
    }

    @Override
    public Usage usage() {
        return usage;
    }
}
