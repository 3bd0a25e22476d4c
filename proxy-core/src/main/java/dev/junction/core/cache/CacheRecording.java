package dev.junction.core.cache;

import dev.junction.stream.Usage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;

import java.util.ArrayList;
import java.util.List;

/**
 * The answer of one cache miss as it is sent to the client, kept until it ends: each stream event
 * (keep-alive comments aside), or the unary body, copied. Stored only by {@link #complete}, which
 * the exchange calls when the answer ended successfully; an answer that failed, was cut, was
 * cancelled or grew past the alias's {@code max-bytes} is never stored. Confined to the request's
 * event loop.
 */
public final class CacheRecording {

    private final ResponseCache cache;
    private final CachePlan plan;
    private final ReplayShape shape;
    private final List<byte[]> events = new ArrayList<>();
    private byte[] body;
    private long bytes;
    private boolean abandoned;

    CacheRecording(ResponseCache cache, CachePlan plan, ReplayShape shape) {
        this.cache = cache;
        this.plan = plan;
        this.shape = shape;
    }

    /**
     * Stream frames as sent (not consumed): one, or several whole frames in one buffer (a stream
     * processor writes the frames of one upstream read together); each is recorded as an event of
     * its own. Comments ({@code : keepalive}) are not part of the answer.
     */
    public void frame(ByteBuf frames) {
        int at = frames.readerIndex();
        int end = frames.writerIndex();
        while (at < end && !abandoned) {
            int stop = endOfFrame(frames, at, end);
            event(frames, at, stop - at);
            at = stop;
        }
    }

    /**
     * Where the frame that starts at {@code from} ends (past its blank line), or {@code end}. No
     * frame holds {@code "\n\n"} before its end: its one data line is JSON, where a line break
     * is always escaped.
     */
    static int endOfFrame(ByteBuf b, int from, int end) {
        int nl = from;
        while ((nl = b.indexOf(nl, end, (byte) '\n')) >= 0) {
            if (nl + 1 < end && b.getByte(nl + 1) == '\n') {
                return nl + 2;
            }
            nl++;
        }
        return end;
    }

    private void event(ByteBuf frames, int index, int n) {
        if (n == 0 || frames.getByte(index) == ':') {
            return;
        }
        if (!fits(n)) {
            return;
        }
        events.add(ByteBufUtil.getBytes(frames, index, n));
    }

    /** The unary body as sent (not consumed). */
    public void body(ByteBuf content) {
        if (abandoned || !fits(content.readableBytes())) {
            return;
        }
        body = ByteBufUtil.getBytes(content);
    }

    private boolean fits(int n) {
        bytes += n;
        if (bytes > plan.config().maxBytes()) {
            abandon(); // it could never be stored: stop holding it
            return false;
        }
        return true;
    }

    /** The answer will not be stored: drops what was held. */
    public void abandon() {
        abandoned = true;
        events.clear();
        body = null;
    }

    /**
     * The answer ended successfully: it is stored. {@code provider} and {@code upstreamModel} say
     * what served it; {@code usage} is the vendor's report, or null.
     */
    public void complete(String provider, String upstreamModel, Usage usage) {
        if (abandoned || (body == null && events.isEmpty())) {
            return;
        }
        abandoned = true; // once
        List<CacheEntry.Piece> pieces = new ArrayList<>(Math.max(1, events.size()));
        boolean stream = body == null;
        if (stream) {
            for (byte[] e : events) {
                pieces.add(shape.event(e));
            }
        } else {
            pieces.add(shape.body(body));
        }
        String model = "";
        for (CacheEntry.Piece p : pieces) {
            model = shape.responseModel(p);
            if (!model.isEmpty()) {
                break;
            }
        }
        long[] u = usage == null ? new long[] {-1, 0, 0, 0, 0}
                : new long[] {usage.promptTokens(), usage.completionTokens(), usage.cachedInputTokens(),
                    usage.cacheWriteTokens(), usage.reasoningTokens()};
        cache.store(plan, new CacheEntry(plan.ingress(), stream, plan.includeUsage(), provider == null ? "" : provider,
                upstreamModel == null ? "" : upstreamModel, model, u, pieces));
        events.clear();
        body = null;
    }
}
