package dev.junction.core.proxy;

import dev.junction.core.http.HttpResponses;
import dev.junction.core.upstream.UpstreamCall;
import dev.junction.core.upstream.UpstreamListener;
import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;

import java.util.ArrayList;
import java.util.List;

/**
 * One upstream attempt of a {@link ChatExchange} (the primary, a retry, a failover or a hedge):
 * its call, what it has read and buffered before the commit point, and its health bookkeeping
 * in the deployment's statistics and circuit breaker. Events arrive on the exchange's event loop;
 * the exchange decides what an attempt's success or failure means for the request.
 */
final class Attempt implements UpstreamListener {

    private final ChatExchange x;
    final Route route;
    final boolean hedge;
    final long start = System.nanoTime();
    /** The upstream call, or null when the attempt is a fan-out {@link #group}. */
    UpstreamCall call;
    /** The calls of a fanned-out attempt (SPEC §3 {@code n}), or null. */
    FanOutCall group;
    long connectedAt;
    long headAt;
    int status;
    HttpHeaders headers;
    CompositeByteBuf acc;
    StreamProcessor processor;
    final List<ByteBuf> pending = new ArrayList<>(4);
    boolean open = true;
    private final boolean breakerPermit;

    Attempt(ChatExchange x, Route route, boolean hedge, boolean breakerPermit) {
        this.x = x;
        this.route = route;
        this.hedge = hedge;
        this.breakerPermit = breakerPermit;
        route.deployment().stats().start();
    }

    @Override
    public void onConnected(boolean reused) {
        connectedAt = System.nanoTime();
    }

    @Override
    public void onHead(HttpResponse head) {
        if (!x.isLive(this)) {
            return;
        }
        status = head.status().code();
        headers = head.headers();
        headAt = System.nanoTime();
        route.deployment().stats().recordTtft(headAt - start);
        if (status >= 200 && status < 300 && x.protocol().stream()) {
            processor = x.protocol().streamProcessor(route);
        } else if (group == null) {
            acc = x.client().alloc().compositeBuffer(64); // a fan-out group gathers its parts' bodies itself
        }
    }

    @Override
    public void onContent(ByteBuf content, boolean last) {
        if (!x.isLive(this)) {
            content.release();
            return;
        }
        if (processor != null) {
            onStreamContent(content, last);
            return;
        }
        int limit = status >= 300 ? ChatExchange.MAX_ERROR_BODY : ChatExchange.MAX_UNARY_BODY;
        if (acc.readableBytes() + content.readableBytes() > limit) {
            content.release();
            if (status < 300) {
                cancelCall();
                x.attemptFailed(this, GatewayError.upstreamUnavailable("Provider '" + route.provider().name()
                        + "' sent an answer larger than " + ChatExchange.MAX_UNARY_BODY + " bytes.").withoutRetry());
                return;
            }
        } else {
            acc.addComponent(true, content);
        }
        if (!last) {
            requestMore();
            return;
        }
        ByteBuf body = acc;
        acc = null;
        try {
            if (status >= 200 && status < 300) {
                ByteBuf out;
                try {
                    out = x.protocol().unary(route, body, x.client().alloc());
                } catch (TranslationException e) {
                    x.attemptFailed(this, e.error());
                    return;
                }
                succeedUnary(out);
            } else {
                x.attemptFailed(this, ChatExchange.scrub(route, x.protocol().error(route, status, headers, body)));
            }
        } finally {
            body.release();
        }
    }

    /**
     * Every part of a fanned-out unary attempt answered successfully ({@code bodies} stay owned by
     * the group): one merged response is sent.
     */
    void onFanOutAnswers(List<ByteBuf> bodies) {
        if (!x.isLive(this)) {
            return;
        }
        ByteBuf out;
        try {
            out = x.protocol().unaryMerged(route, bodies, x.client().alloc());
        } catch (TranslationException e) {
            x.attemptFailed(this, e.error());
            return;
        }
        succeedUnary(out);
    }

    private void succeedUnary(ByteBuf out) {
        x.win(this);
        x.account(this, x.protocol().unaryUsage());
        close(Health.OK, null);
        x.record(this, "ok");
        x.retire(this);
        x.finishWith(HttpResponses.json(HttpResponseStatus.OK, out), 200);
    }

    private void onStreamContent(ByteBuf content, boolean last) {
        List<ByteBuf> out = new ArrayList<>(4);
        try {
            processor.feed(content, x.client().alloc(), out);
        } finally {
            content.release();
        }
        GatewayError vendorError = processor.vendorError();
        if (vendorError != null) {
            ChatExchange.release(out);
            if (!last) {
                cancelCall();
            }
            failStream(ChatExchange.scrub(route, vendorError));
            return;
        }
        if (last) {
            GatewayError incomplete = processor.end(x.client().alloc(), out);
            if (incomplete != null) {
                ChatExchange.release(out);
                failStream(incomplete);
                return;
            }
            succeedStream(out);
            return;
        }
        if (!x.hasWinner()) {
            pending.addAll(out);
            out.clear();
            if (!processor.hasContent()) {
                requestMore(); // pre-content frames are few and small: keep reading
                return;
            }
            x.win(this);
            x.write(pending, false);
        } else {
            x.write(out, false);
        }
        if (x.client().isWritable()) {
            requestMore();
        }
    }

    /** The stream is complete: {@code out} holds its closing frames. */
    private void succeedStream(List<ByteBuf> out) {
        if (!x.hasWinner()) {
            x.win(this);
        }
        x.account(this, processor.usage());
        close(Health.OK, null);
        x.record(this, "ok");
        x.retire(this);
        pending.addAll(out);
        out.clear();
        closeProcessor();
        x.write(pending, true);
    }

    /**
     * The stream failed; {@code error} was judged by the processor (SPEC §5): the in-band error
     * once this attempt's content reached the client, else the failure to retry or report.
     */
    private void failStream(GatewayError error) {
        if (x.isWinner(this)) {
            x.streamInterrupted(this, error);
        } else {
            x.attemptFailed(this, error);
        }
    }

    @Override
    public void onFailure(GatewayError error, boolean afterHead) {
        if (!x.isLive(this)) {
            return;
        }
        if (processor == null) {
            failStream(error);
            return;
        }
        List<ByteBuf> out = new ArrayList<>(2);
        GatewayError judged = processor.cut(ChatExchange.scrub(route, error), x.client().alloc(), out);
        if (judged != null) {
            ChatExchange.release(out);
            failStream(judged);
        } else {
            succeedStream(out); // every choice had finished: only what follows the answer was lost
        }
    }

    /** Asks the upstream (every running part of a fan-out) for the next piece of its body. */
    void requestMore() {
        if (group != null) {
            group.requestMore();
        } else if (call != null) {
            call.requestMore();
        }
    }

    /** Abandons the upstream call (every part of a fan-out): the connections close (SPEC §5). */
    void cancelCall() {
        if (group != null) {
            group.cancel();
        } else if (call != null) {
            call.cancel();
        }
    }

    boolean live() {
        return x.isLive(this);
    }

    io.netty.channel.EventLoop loop() {
        return x.client().eventLoop();
    }

    io.netty.buffer.ByteBufAllocator alloc() {
        return x.client().alloc();
    }

    ExchangeProtocol protocol() {
        return x.protocol();
    }

    /** Ends this attempt's bookkeeping in the deployment's statistics and circuit breaker. */
    void close(Health health, String code) {
        if (!open) {
            return;
        }
        open = false;
        var d = route.deployment();
        switch (health) {
            case OK -> {
                d.stats().recordSuccess();
                if (breakerPermit) {
                    d.breaker().onSuccess();
                }
            }
            case FAILED -> {
                d.stats().recordFailure(code);
                if (breakerPermit) {
                    d.breaker().onFailure();
                }
            }
            default -> {
                // Cancelled before its first byte (a lost hedge race, a client gone): the wait so far
                // is a lower bound of this deployment's TTFT, which keeps a hedged tail visible.
                if (headAt == 0) {
                    d.stats().recordCancelled(System.nanoTime() - start);
                } else {
                    d.stats().recordCancelled();
                }
                if (breakerPermit) {
                    d.breaker().onCancelled();
                }
            }
        }
    }

    void closeProcessor() {
        if (processor != null) {
            processor.close();
            processor = null;
        }
    }

    void releaseBuffers() {
        if (group != null) {
            group.release();
        }
        ChatExchange.release(pending);
        closeProcessor();
        if (acc != null) {
            acc.release();
            acc = null;
        }
    }

    /** How an attempt ended, for the deployment's health. */
    enum Health { OK, FAILED, NONE }
}
