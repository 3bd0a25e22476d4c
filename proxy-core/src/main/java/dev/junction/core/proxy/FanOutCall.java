package dev.junction.core.proxy;

import dev.junction.core.upstream.UpstreamCall;
import dev.junction.core.upstream.UpstreamClient;
import dev.junction.core.upstream.UpstreamListener;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.stream.FanOutStreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

import java.util.ArrayList;
import java.util.List;

/**
 * The {@code n} concurrent upstream calls of one fanned-out {@link Attempt} (SPEC §3: {@code n > 1}
 * on a vendor without it), presented to the attempt as one call so that retries, failover, the
 * commit point and the deployment's health see one attempt, as for any other request:
 * <ul>
 *   <li>unary: each part's answer is gathered; when all are in, the attempt gets them together
 *       ({@link Attempt#onFanOutAnswers}) to be merged into one response;</li>
 *   <li>stream: the first successful head opens the attempt's {@link FanOutStreamProcessor}, and
 *       every part's bytes are fed to it tagged with the part's index; the commit point is every
 *       part's first content ({@link FanOutStreamProcessor#hasContent()}); the attempt sees the end
 *       of its body when the last part ends;</li>
 *   <li>any part failing (an error status, a broken connection, a timeout) fails the whole group:
 *       the other parts are cancelled, everything held is released, and the attempt fails as one,
 *       so the exchange retries or fails over the whole group before the commit point, or reports
 *       the error in-band after it (SPEC §5).</li>
 * </ul>
 * Confined to the exchange's event loop, like every upstream listener: no locking.
 */
final class FanOutCall {

    private final Attempt attempt;
    private final boolean stream;
    private final Part[] parts;
    private boolean headForwarded;
    private boolean connected;
    private boolean stopped;
    private int partsEnded;

    private FanOutCall(Attempt attempt, int k, boolean stream) {
        this.attempt = attempt;
        this.stream = stream;
        this.parts = new Part[k];
        for (int i = 0; i < k; i++) {
            parts[i] = new Part(i);
        }
    }

    /**
     * Starts one call per request (the group takes ownership of every request body) and attaches the
     * group to {@code a}. A part that fails at once stops the parts not yet started.
     */
    static FanOutCall start(Attempt a, UpstreamClient upstream, EventLoop loop, List<UpstreamRequest> requests,
                            boolean stream) {
        FanOutCall g = new FanOutCall(a, requests.size(), stream);
        a.group = g;
        Route route = a.route;
        for (int i = 0; i < requests.size(); i++) {
            UpstreamRequest req = requests.get(i);
            if (g.stopped) {
                req.body().release();
                continue;
            }
            g.parts[i].call = upstream.start(loop, route.provider().name(), route.origin(),
                    route.provider().maxConnections(), route.timeouts(), req, a.traceHeaders(), g.parts[i]);
        }
        return g;
    }

    /** Asks every part still running for more (reads are paced by the client, house rule 3). */
    void requestMore() {
        for (Part p : parts) {
            if (!p.ended && p.call != null) {
                p.call.requestMore();
            }
        }
    }

    /** Abandons every part (the connections close, so the vendor stops generating) and releases what is held. */
    void cancel() {
        stopped = true;
        for (Part p : parts) {
            if (p.call != null) {
                p.call.cancel();
            }
        }
        release();
    }

    /** Releases the bodies gathered so far. Idempotent. */
    void release() {
        for (Part p : parts) {
            p.releaseBody();
        }
    }

    private boolean active() {
        return !stopped && attempt.live();
    }

    /** One part failed: the group fails as one (the attempt decides between retry, failover and in-band). */
    private void fail(Part failed, GatewayError error, boolean afterHead) {
        if (!headForwarded && failed.status != 0) {
            attempt.status = failed.status; // what the attempt's record shows
        }
        cancel();
        boolean committed = afterHead || headForwarded;
        // The other parts' connections are closing: the attempt's failure (and the retry or failover
        // it may start at once) runs as the loop's next task, after those closes, not inside them.
        // Opening the failover's connections from inside those closes was seen to fail a new
        // connection at once (ClosedChannelException on acquire), costing a needless extra attempt.
        attempt.loop().execute(() -> attempt.onFailure(error, committed));
    }

    private void allAnswered() {
        List<ByteBuf> bodies = new ArrayList<>(parts.length);
        for (Part p : parts) {
            bodies.add(p.body);
        }
        try {
            attempt.onFanOutAnswers(bodies);
        } finally {
            release();
        }
    }

    /** One upstream call of the group. */
    private final class Part implements UpstreamListener {
        final int index;
        UpstreamCall call;
        int status;
        HttpHeaders headers;
        CompositeByteBuf body;
        boolean ended;

        Part(int index) {
            this.index = index;
        }

        @Override
        public void onConnected(boolean reused, long nanos) {
            if (!connected && active()) {
                connected = true;
                attempt.onConnected(reused, nanos);
            }
        }

        @Override
        public void onHead(HttpResponse head, long nanos) {
            if (!active()) {
                return;
            }
            status = head.status().code();
            headers = head.headers();
            boolean ok = status >= 200 && status < 300;
            if (!ok || !stream) {
                body = attempt.alloc().compositeBuffer(64);
            }
            if (!headForwarded && (ok || !stream)) {
                // A stream's processor opens at the first successful head; a unary answer's timing
                // (first byte) is the first head of any part.
                headForwarded = true;
                attempt.onHead(head, nanos);
            }
        }

        @Override
        public void onContent(ByteBuf content, boolean last) {
            if (!active()) {
                content.release();
                return;
            }
            boolean ok = status >= 200 && status < 300;
            if (ok && stream) {
                if (last) {
                    ended = true;
                    partsEnded++;
                }
                ((FanOutStreamProcessor) attempt.processor).select(index, last);
                attempt.onContent(content, last && partsEnded == parts.length);
                return;
            }
            int limit = ok ? ChatExchange.MAX_UNARY_BODY : ChatExchange.MAX_ERROR_BODY;
            if (body.readableBytes() + content.readableBytes() > limit) {
                content.release();
                if (ok) {
                    fail(this, GatewayError.upstreamUnavailable("Provider '" + attempt.route.provider().name()
                            + "' sent an answer larger than " + ChatExchange.MAX_UNARY_BODY + " bytes.").withoutRetry(), true);
                    return;
                }
            } else {
                body.addComponent(true, content);
            }
            if (!last) {
                call.requestMore();
                return;
            }
            ended = true;
            partsEnded++;
            if (!ok) {
                Route route = attempt.route;
                GatewayError error;
                try {
                    error = ChatExchange.scrub(route, attempt.translator.error(status, headers, body));
                } catch (TranslationException e) {
                    error = e.error();
                }
                fail(this, error, true);
            } else if (partsEnded == parts.length) {
                allAnswered();
            }
        }

        @Override
        public void onFailure(GatewayError error, boolean afterHead) {
            if (!active()) {
                return;
            }
            fail(this, error, afterHead);
        }

        void releaseBody() {
            if (body != null) {
                body.release();
                body = null;
            }
        }
    }
}
