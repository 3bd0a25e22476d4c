package dev.junction.core.proxy;

import dev.junction.core.http.HttpResponses;
import dev.junction.core.resilience.Deadline;
import dev.junction.core.resilience.RetryDecision;
import dev.junction.core.resilience.RetryPolicy;
import dev.junction.core.upstream.UpstreamCall;
import dev.junction.core.upstream.UpstreamClient;
import dev.junction.core.upstream.UpstreamListener;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;

import io.netty.util.concurrent.ScheduledFuture;

import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import java.util.List;
import java.util.function.Consumer;

/**
 * Drives one proxied request (chat or embeddings) through its attempts on the client's event
 * loop: builds each attempt's vendor request, reads the answer paced by the client, holds a stream
 * back until its first content (the commit point of SPEC §5) so that a failure before it fails
 * over invisibly, and after it reports a failure in-band. Owns the client's body until it ends.
 */
public final class ChatExchange implements UpstreamListener {

    /** Largest error body read from a vendor; more is cut (it is only used for the message). */
    private static final int MAX_ERROR_BODY = 256 * 1024;
    /** Largest unary answer accepted from a vendor. */
    private static final int MAX_UNARY_BODY = 64 * 1024 * 1024;

    private final ChannelHandlerContext ctx;
    private final Channel client;
    private final RequestContext rc;
    private final ExchangeProtocol protocol;
    private final List<Route> candidates;
    private final UpstreamClient upstream;
    private final ByteBuf clientBody;
    private final boolean keepAlive;
    private final Consumer<RequestContext> onDone;
    private final RetryPolicy retry;
    private final Deadline deadline;

    /** Attempts started, hedges and retries included (x-junction-attempts). */
    private int attempt;
    private int candidateIndex;
    private int retriesOfSame;
    private boolean attemptOpen;
    private ScheduledFuture<?> retryTimer;
    private ScheduledFuture<?> deadlineTimer;
    private Route route;
    private UpstreamCall call;
    private long attemptStart;
    private long connectedAt;
    private int upstreamStatus;
    private HttpHeaders upstreamHeaders;
    private CompositeByteBuf acc;
    private StreamProcessor processor;
    private final List<ByteBuf> pending = new ArrayList<>(4);
    private boolean committed;
    private boolean finished;
    private GatewayError lastError;

    public ChatExchange(ChannelHandlerContext ctx, RequestContext rc, ExchangeProtocol protocol, List<Route> candidates,
                        UpstreamClient upstream, ByteBuf clientBody, boolean keepAlive, RetryPolicy retry, Deadline deadline,
                        Consumer<RequestContext> onDone) {
        this.retry = retry;
        this.deadline = deadline;
        this.ctx = ctx;
        this.client = ctx.channel();
        this.rc = rc;
        this.protocol = protocol;
        this.candidates = candidates;
        this.upstream = upstream;
        this.clientBody = clientBody;
        this.keepAlive = keepAlive;
        this.onDone = onDone;
        rc.stream = protocol.stream();
    }

    public void start() {
        if (!deadline.isUnbounded()) {
            deadlineTimer = client.eventLoop().schedule(this::deadlineExpired,
                    Math.max(0, deadline.remainingNanos()), TimeUnit.NANOSECONDS);
        }
        nextAttempt();
    }

    private void nextAttempt() {
        if (finished) {
            return;
        }
        route = candidates.get(candidateIndex);
        if (!route.deployment().breaker().tryAcquire() && candidateIndex + 1 < candidates.size()) {
            // The circuit closed to probes since routing; the next candidate takes this attempt.
            candidateIndex++;
            nextAttempt();
            return;
        }
        attempt++;
        attemptOpen = true;
        route.deployment().stats().start();
        Warnings warnings = new Warnings();
        UpstreamRequest req;
        long t0 = System.nanoTime();
        try {
            req = protocol.build(route, client.alloc(), warnings);
        } catch (TranslationException e) {
            closeAttempt(Health.NONE, null);
            recordAttempt("rejected", 0);
            finishWithError(e.error());
            return;
        }
        if (attempt == 1) {
            rc.stage("translate", System.nanoTime());
        }
        rc.warnings.addAll(warnings.list());
        attemptStart = t0;
        upstreamStatus = 0;
        call = upstream.start(client.eventLoop(), route.provider().name(), route.origin(),
                route.provider().maxConnections(), route.timeouts(), req, null, this);
    }

    @Override
    public void onConnected(boolean reused) {
        connectedAt = System.nanoTime();
    }

    @Override
    public void onHead(HttpResponse head) {
        if (finished) {
            return;
        }
        upstreamStatus = head.status().code();
        upstreamHeaders = head.headers();
        long now = System.nanoTime();
        rc.provider = route.provider().name();
        rc.deployment = route.id();
        rc.upstreamModel = route.deployment().model();
        if (connectedAt > 0) {
            rc.duration("connect", connectedAt - attemptStart);
        }
        rc.duration("ttfb", now - attemptStart);
        rc.ttftNanos = now - attemptStart;
        route.deployment().stats().recordTtft(now - attemptStart);
        boolean ok = upstreamStatus >= 200 && upstreamStatus < 300;
        if (ok && protocol.stream()) {
            processor = protocol.streamProcessor(route);
        } else {
            acc = client.alloc().compositeBuffer(64);
        }
    }

    @Override
    public void onContent(ByteBuf content, boolean last) {
        if (finished) {
            content.release();
            return;
        }
        if (processor != null) {
            onStreamContent(content, last);
            return;
        }
        int limit = upstreamStatus >= 300 ? MAX_ERROR_BODY : MAX_UNARY_BODY;
        if (acc.readableBytes() + content.readableBytes() > limit) {
            if (upstreamStatus >= 300) {
                content.release(); // enough of the error body for its message
            } else {
                content.release();
                call.cancel();
                failAttempt(new GatewayError(502, "upstream_error", "upstream_unavailable", null,
                        "Provider '" + route.provider().name() + "' sent an answer larger than "
                                + MAX_UNARY_BODY + " bytes.", false, true, true, null));
                return;
            }
        } else {
            acc.addComponent(true, content);
        }
        if (!last) {
            call.requestMore();
            return;
        }
        ByteBuf body = acc;
        acc = null;
        try {
            if (upstreamStatus >= 200 && upstreamStatus < 300) {
                ByteBuf out;
                try {
                    out = protocol.unary(route, body, client.alloc());
                } catch (TranslationException e) {
                    failAttempt(e.error());
                    return;
                }
                account(protocol.unaryUsage());
                closeAttempt(Health.OK, null);
                recordAttempt("ok", upstreamStatus);
                FullHttpResponse r = HttpResponses.json(HttpResponseStatus.OK, out);
                finishWith(r, 200);
            } else {
                GatewayError e = protocol.error(route, upstreamStatus, upstreamHeaders, body);
                failAttempt(scrub(e));
            }
        } finally {
            body.release();
        }
    }

    private void onStreamContent(ByteBuf content, boolean last) {
        List<ByteBuf> out = new ArrayList<>(4);
        try {
            processor.feed(content, client.alloc(), out);
        } finally {
            content.release();
        }
        GatewayError vendorError = processor.vendorError();
        if (vendorError != null) {
            release(out);
            if (!last) {
                call.cancel();
            }
            streamFailed(scrub(vendorError));
            return;
        }
        if (last) {
            GatewayError incomplete = processor.end(client.alloc(), out);
            if (incomplete != null) {
                release(out);
                streamFailed(incomplete);
                return;
            }
            account(processor.usage());
            closeAttempt(Health.OK, null);
            recordAttempt("ok", upstreamStatus);
            emit(out, true);
            return;
        }
        emit(out, false);
        if (client.isWritable()) {
            call.requestMore();
        }
    }

    /** Client writability came back (GatewayHandler forwards it): resume reading the upstream. */
    public void onWritable() {
        if (!finished && call != null && processor != null) {
            call.requestMore();
        }
    }

    @Override
    public void onFailure(GatewayError error, boolean afterHead) {
        if (finished) {
            return;
        }
        if (processor != null) {
            streamFailed(error);
        } else {
            failAttempt(error);
        }
    }

    private void streamFailed(GatewayError error) {
        account(processor.usage());
        if (committed) {
            closeAttempt(Health.FAILED, error.code());
            recordAttempt("interrupted", upstreamStatus);
            List<ByteBuf> out = new ArrayList<>(1);
            GatewayError inBand = error.code() != null && error.code().startsWith("upstream_")
                    ? new GatewayError(error.status(), "upstream_error", "stream_interrupted", null,
                    "The stream was interrupted after it started: " + error.message(), false, false, true, null)
                    : error;
            rc.errorCode = inBand.code();
            processor.fail(inBand, client.alloc(), out);
            emit(out, true);
            return;
        }
        failAttempt(error);
    }

    /** An attempt failed before anything reached the client: retry, fail over or give up (SPEC §7). */
    private void failAttempt(GatewayError error) {
        boolean healthSignal = error.retryable() || error.failover();
        closeAttempt(healthSignal ? Health.FAILED : Health.OK, error.code());
        recordAttempt(error.code() == null ? "error" : error.code(), upstreamStatus);
        release(pending);
        closeProcessor();
        if (acc != null) {
            acc.release();
            acc = null;
        }
        lastError = error;
        boolean replayable = !committed && client.isActive();
        RetryDecision d = retry.decide(attempt, retriesOfSame, error, replayable,
                candidateIndex + 1 < candidates.size(), deadline);
        switch (d.action()) {
            case FAILOVER -> {
                candidateIndex++;
                retriesOfSame = 0;
                nextAttempt();
            }
            case RETRY_SAME -> {
                retriesOfSame++;
                retryTimer = client.eventLoop().schedule(this::nextAttempt, d.delayNanos(), TimeUnit.NANOSECONDS);
            }
            default -> {
                rc.noRetryReason = d.reason() == null ? null : d.reason().name().toLowerCase(java.util.Locale.ROOT);
                finishWithError(error);
            }
        }
    }

    private enum Health { OK, FAILED, NONE }

    /** Records the vendor's usage and its cost at the served deployment's catalog prices (SPEC §7). */
    private void account(Usage u) {
        if (u == null) {
            return;
        }
        rc.promptTokens = u.promptTokens();
        rc.completionTokens = u.completionTokens();
        rc.costUsd = route.deployment().price().cost(u.promptTokens(), u.cachedInputTokens(), u.cacheWriteTokens(),
                u.completionTokens());
    }

    /** Ends the current attempt's bookkeeping in the deployment's statistics and circuit breaker. */
    private void closeAttempt(Health health, String code) {
        if (!attemptOpen) {
            return;
        }
        attemptOpen = false;
        var d = route.deployment();
        switch (health) {
            case OK -> {
                d.stats().recordSuccess();
                d.breaker().onSuccess();
            }
            case FAILED -> {
                d.stats().recordFailure(code);
                d.breaker().onFailure();
            }
            default -> {
                d.stats().recordCancelled();
                d.breaker().onCancelled();
            }
        }
    }

    /** {@code x-junction-deadline-ms} passed: stop whatever runs and answer with a timeout. */
    private void deadlineExpired() {
        if (finished) {
            return;
        }
        if (call != null) {
            call.cancel();
        }
        if (retryTimer != null) {
            retryTimer.cancel(false);
        }
        closeAttempt(Health.NONE, null);
        recordAttempt("deadline", upstreamStatus);
        GatewayError e = new GatewayError(504, "upstream_error", "upstream_timeout", null,
                "The request did not complete within its deadline (" + Deadline.HEADER + ").", false, false, true, null);
        release(pending);
        if (acc != null) {
            acc.release();
            acc = null;
        }
        if (committed) {
            rc.errorCode = "upstream_timeout";
            List<ByteBuf> out = new ArrayList<>(1);
            processor.fail(e, client.alloc(), out);
            emit(out, true);
            return;
        }
        closeProcessor();
        finishWithError(e);
    }

    private void emit(List<ByteBuf> frames, boolean end) {
        if (!committed) {
            pending.addAll(frames);
            frames.clear();
            if (!processor.hasContent() && !end) {
                return;
            }
            committed = true;
            HttpResponse head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            HttpHeaders h = head.headers();
            h.set(HttpHeaderNames.CONTENT_TYPE, "text/event-stream; charset=utf-8");
            h.set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
            h.set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            decorate(h, false);
            HttpUtil.setKeepAlive(head, keepAlive);
            rc.status = 200;
            client.write(head);
            frames = new ArrayList<>(pending);
            pending.clear();
        }
        for (ByteBuf f : frames) {
            client.write(new DefaultHttpContent(f));
        }
        if (end) {
            finished = true;
            closeProcessor();
            client.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT).addListener(f -> done(keepAlive && f.isSuccess()));
        } else {
            client.flush();
        }
    }

    private void finishWithError(GatewayError error) {
        rc.errorCode = error.code();
        if (committed) {
            List<ByteBuf> out = new ArrayList<>(1);
            processor.fail(error, client.alloc(), out);
            emit(out, true);
            return;
        }
        FullHttpResponse r = HttpResponses.error(error, rc.requestId);
        finishWith(r, error.status());
    }

    private void finishWith(FullHttpResponse r, int status) {
        finished = true;
        closeProcessor();
        rc.status = status;
        decorate(r.headers(), true);
        HttpUtil.setKeepAlive(r, keepAlive);
        client.writeAndFlush(r).addListener(f -> done(keepAlive && f.isSuccess()));
    }

    private void decorate(HttpHeaders h, boolean withTotal) {
        h.set(HttpResponses.X_REQUEST_ID, rc.requestId);
        if (rc.provider != null) {
            h.set(HttpResponses.X_PROVIDER, rc.provider);
            h.set(HttpResponses.X_MODEL, rc.upstreamModel);
        }
        h.setInt(HttpResponses.X_ATTEMPTS, attempt);
        if (!rc.warnings.isEmpty()) {
            h.set(HttpResponses.X_WARNINGS, String.join("; ", rc.warnings));
        }
        h.set(HttpResponses.SERVER_TIMING, rc.serverTiming(withTotal, System.nanoTime()));
    }

    private void cancelTimers() {
        if (retryTimer != null) {
            retryTimer.cancel(false);
        }
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
        }
    }

    private void done(boolean keepConnection) {
        cancelTimers();
        clientBody.release();
        onDone.accept(rc);
        if (!keepConnection) {
            client.close();
        }
    }

    /** The client went away: stop the upstream at once (SPEC §5) and release everything. */
    public void cancel() {
        if (finished) {
            return;
        }
        finished = true;
        cancelTimers();
        if (call != null) {
            call.cancel();
        }
        closeAttempt(Health.NONE, null);
        recordAttempt("client_closed", upstreamStatus);
        rc.status = 499;
        rc.errorCode = "client_closed";
        release(pending);
        closeProcessor();
        if (acc != null) {
            acc.release();
            acc = null;
        }
        clientBody.release();
        onDone.accept(rc);
    }

    private void recordAttempt(String outcome, int status) {
        if (route != null) {
            rc.attempts.add(new RequestContext.Attempt(route.id(), route.provider().name(), outcome, status,
                    (System.nanoTime() - attemptStart) / 1e6));
        }
    }

    private void closeProcessor() {
        if (processor != null) {
            processor.close();
            processor = null;
        }
    }

    /** Removes any trace of the route's vendor key from a vendor-derived message (SPEC §9). */
    private GatewayError scrub(GatewayError e) {
        String key = route.target().apiKey();
        String m = e.message();
        if (key != null && key.length() >= 4 && m.contains(key)) {
            m = m.replace(key, "***");
        }
        m = m.replaceAll("(sk|pk|rk)-[A-Za-z0-9_\\-*]{6,}", "$1-***");
        return m.equals(e.message()) ? e : e.withMessage(m);
    }

    private static void release(List<ByteBuf> bufs) {
        for (ByteBuf b : bufs) {
            b.release();
        }
        bufs.clear();
    }
}
