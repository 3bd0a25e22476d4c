package dev.junction.translators.stream;

import dev.junction.stream.GatewayError;
import dev.junction.stream.OpenAiChunkInspector;
import dev.junction.stream.SseEvent;
import dev.junction.stream.SseFrames;
import dev.junction.stream.Usage;
import dev.junction.translators.passthrough.CompatDialect;
import dev.junction.translators.passthrough.FinishOverride;
import dev.junction.translators.passthrough.FinishReasonRewriter;
import dev.junction.translators.passthrough.PassThroughVendor;
import dev.junction.translators.spi.Target;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;

/**
 * Forwards an OpenAI-shaped vendor stream to the client as the vendor's own chunk bytes (each
 * {@code data:} payload is copied as sent, never re-serialised, into one buffer per upstream read
 * that the exchange sends as it is), while watching it: the usage
 * chunk Junction asked for is kept for accounting and passed on only if the client asked for it
 * (SPEC §5), a vendor error chunk stops the stream, and an end without {@code [DONE]} before every
 * choice finished is a truncation, never reported as complete (judged by
 * {@link dev.junction.stream.StreamGuard}).
 *
 * <p>Two things make it more than a forwarder, both rare and off the per-chunk path:
 * <ul>
 *   <li>A client that asked for usage gets the standard usage chunk before {@code [DONE]} even when
 *       the vendor only reported usage in an extension (Groq's {@code x_groq.usage}, wire-formats
 *       §6.1, §8 item 17): the stream's id/model/created are read once from the first chunk
 *       forwarded, and the chunk is written at the end if no top-level usage was forwarded.</li>
 *   <li>A finish_reason outside OpenAI's set is handed to the server's {@link CompatDialect}: the
 *       finishing chunk is re-serialised with the OpenAI reason, or the stream fails with the
 *       dialect's error. Chunks with OpenAI reasons stay zero-copy.</li>
 * </ul>
 */
public final class PassThroughStreamProcessor extends SseStreamProcessor {

    private final boolean clientWantsUsage;
    private final PassThroughVendor vendor;
    private final Target target;
    private final CompatDialect dialect;
    /** Reads every chunk, and finds the end of its line as it does (the decoder's line scanner). */
    private final OpenAiChunkInspector inspector;
    private UsageChunk head;
    private boolean usageForwarded;
    private Usage usage;

    /** @param choices the request's {@code n}: how many choices must finish for the stream to be complete */
    public PassThroughStreamProcessor(boolean clientWantsUsage, int choices, PassThroughVendor vendor, Target target) {
        this(clientWantsUsage, choices, vendor, target, new OpenAiChunkInspector());
    }

    private PassThroughStreamProcessor(boolean clientWantsUsage, int choices, PassThroughVendor vendor, Target target,
                                       OpenAiChunkInspector inspector) {
        super(choices, inspector);
        this.inspector = inspector;
        this.clientWantsUsage = clientWantsUsage;
        this.vendor = vendor;
        this.target = target;
        this.dialect = vendor.dialect(target);
    }

    @Override
    public void onEvent(SseEvent event) {
        ByteBuf data = event.data();
        onEvent(event.event(), data, data.readerIndex(), data.readableBytes(), event.id(), event.retryMillis());
    }

    /**
     * One chunk, read where the decoder found it ({@code src[from, from + n)}, the upstream read's
     * bytes or the decoder's accumulator): inspected and copied from there, with no event object or
     * slice per chunk; the rare paths (an error, the usage head, a renamed finish) take a slice.
     */
    @Override
    public void onEvent(String event, ByteBuf src, int from, int n, String id, Long retryMillis) {
        if (stopped()) {
            return;
        }
        OpenAiChunkInspector.Result r = inspector.inspect(src, from, n);
        if (r.done()) {
            completed();
            return;
        }
        if (r.error() || r.malformed()) {
            failed(r.error() ? vendor.error(target, 500, null, src.slice(from, n))
                    : GatewayError.upstreamUnavailable("The provider sent a stream chunk that is not valid JSON."));
            return;
        }
        if (r.hasUsage()) {
            usage = r.usage();
        }
        boolean renamed = false;
        if (r.finishCount() > 0) {
            if (dialect.mapsFinishReasons()) {
                for (int i = 0; i < r.finishCount(); i++) {
                    FinishOverride o = FinishReasonRewriter.overrideFor(dialect, r.finishReason(i));
                    if (o != null && o.error() != null) {
                        failed(o.error());
                        return;
                    }
                    renamed |= o != null;
                }
            }
            for (int i = 0; i < r.finishCount(); i++) {
                guard.finished(r.finishedChoice(i));
            }
        }
        if (r.choicesEmpty() && (!r.usageTopLevel() || !clientWantsUsage)) {
            // Usage the client did not ask for, usage only in a vendor extension (a standard usage
            // chunk is written at the end instead), or Azure's prompt-filter chunk that opens a stream
            // with choices:[] and an empty id/model (wire-formats §6.2): none is for the client.
            return;
        }
        guard.forwarded(r.content());
        if (clientWantsUsage) {
            usageForwarded |= r.usageTopLevel();
            if (head == null) {
                head = UsageChunk.headOf(src.slice(from, n));
            }
        }
        if (renamed) {
            out.add(SseFrames.data(alloc, FinishReasonRewriter.rewriteChunk(src.slice(from, n), dialect, !clientWantsUsage)));
        } else {
            forward(src, from, n);
        }
    }

    /**
     * Writes {@code data: <chunk>\n\n} into the frame buffer of this read: the chunk's bytes
     * ({@code src[from, from + n)}) as the vendor sent them, less {@code ,"usage":null} when the
     * client did not ask for usage.
     */
    private void forward(ByteBuf src, int from, int n) {
        int cut = clientWantsUsage ? -1 : indexOfNullUsage(src, from, n);
        ByteBuf frame = frameBuffer(n + FRAME_OVERHEAD);
        frame.writeInt(DATA_WORD).writeShort(COLON_SPACE); // "data: " as two stores, not a copy from an array
        if (cut < 0) {
            copy(src, from, n, frame);
        } else {
            int end = cut + NULL_USAGE.length;
            copy(src, from, cut - from, frame);
            copy(src, end, from + n - end, frame);
        }
        frame.writeShort(EVENT_END);
    }

    /**
     * Appends {@code src[from, from + n)} to {@code frame}: from the array when {@code src} has one
     * (the decoder hands chunks over as ranges of a heap array), because a pooled direct buffer
     * copies another buffer's bytes through a {@link java.nio.ByteBuffer} view it makes for every
     * call, and an array's with none.
     */
    private static void copy(ByteBuf src, int from, int n, ByteBuf frame) {
        if (src.hasArray()) {
            frame.writeBytes(src.array(), src.arrayOffset() + from, n);
        } else {
            frame.writeBytes(src, from, n);
        }
    }

    private static final int DATA_WORD = ('d' << 24) | ('a' << 16) | ('t' << 8) | 'a';
    private static final int COLON_SPACE = (':' << 8) | ' ';
    private static final int EVENT_END = ('\n' << 8) | '\n';
    private static final int FRAME_OVERHEAD = 8;

    /**
     * Asking the vendor for usage makes it add {@code "usage":null} to every chunk; a client that did
     * not ask must not see it (OpenAI's chunk schema has no null usage), so the member is cut out of
     * the bytes: {@code ,"usage":null} cannot occur inside a JSON string (a quote there is escaped),
     * so a match is always the member itself. Other spellings (with spaces) are left as sent.
     *
     * <p>Where {@code ,"usage":null} starts in {@code data}, or -1. Vendors put it last, so the tail is
     * looked at first with one bulk copy; the rest is searched with the buffer's own byte iterator
     * only when the tail does not have it.
     */
    static int indexOfNullUsage(ByteBuf data) {
        return indexOfNullUsage(data, data.readerIndex(), data.readableBytes());
    }

    /** The same within {@code data[from, from + n)}. */
    static int indexOfNullUsage(ByteBuf data, int from, int n) {
        byte[] p = NULL_USAGE;
        int tailLength = Math.min(n, TAIL);
        byte[] tail = TAIL_BUFFER.get();
        int tailStart = from + n - tailLength;
        data.getBytes(tailStart, tail, 0, tailLength);
        for (int i = tailLength - p.length; i >= 0; i--) {
            if (matches(tail, i, p)) {
                return tailStart + i;
            }
        }
        if (n <= TAIL) {
            return -1;
        }
        // The part before the tail, plus enough of the tail for a match that straddles it.
        int length = n - tailLength + p.length - 1;
        int[] matched = {0};
        int hit = data.forEachByte(from, length, b -> {
            matched[0] = b == p[matched[0]] ? matched[0] + 1 : (b == p[0] ? 1 : 0);
            return matched[0] < p.length;
        });
        return hit < 0 ? -1 : hit - p.length + 1;
    }

    private static boolean matches(byte[] a, int at, byte[] p) {
        for (int j = 0; j < p.length; j++) {
            if (a[at + j] != p[j]) {
                return false;
            }
        }
        return true;
    }

    private static final int TAIL = 64;
    private static final ThreadLocal<byte[]> TAIL_BUFFER = ThreadLocal.withInitial(() -> new byte[TAIL]);
    private static final byte[] NULL_USAGE = ",\"usage\":null".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /** {@code [DONE]}, or (some OpenAI-compatible servers omit it) every choice finished: the stream is complete. */
    @Override
    protected void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (clientWantsUsage && !usageForwarded && usage != null && head != null) {
            out.add(SseFrames.data(alloc, head.json(usage)));
        }
        if (!closeInFedBuffer(out, DONE_FRAME)) {
            out.add(SseFrames.done());
        }
    }

    private static final byte[] DONE_FRAME = "data: [DONE]\n\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @Override
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        out.add(SseFrames.error(alloc, error));
    }

    @Override
    public Usage usage() {
        return usage;
    }
}
