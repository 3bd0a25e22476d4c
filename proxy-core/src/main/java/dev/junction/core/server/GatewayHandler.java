package dev.junction.core.server;

import dev.junction.core.http.HttpResponses;
import dev.junction.core.proxy.ChatExchange;
import dev.junction.core.proxy.RequestContext;
import dev.junction.stream.GatewayError;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.netty.util.concurrent.Ticker;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Last handler of a client connection, after the codec (and bounded aggregation where a request
 * came in parts: {@link ServerHttpCodec}), so every request arrives whole: checks the decoded request,
 * gives it an id and hands it to the {@link Endpoints}. One request at a time per connection.
 * The connection keeps reading while a request is in flight (switching read interest off and on
 * for every request would cost two {@code epoll_ctl} calls each, and a client that leaves is seen
 * either way), so what bounds a client is this: requests it pipelined behind the one in flight (the
 * codec decodes every request already read) wait in arrival order, and as soon as one waits,
 * auto-read is off until the connection is idle again. Each starts only when the answer before it
 * is written, as HTTP/1.1 requires (RFC 9112 §9.3.2). At most {@value #MAX_PIPELINED} wait; a
 * connection that pipelines more gets the queued ones answered and is then closed (a client must
 * be ready to resend unanswered pipelined requests). Forwards client writability (the stream's
 * back-pressure, house rule 3) and disconnects to the request in flight.
 *
 * <p>Also closes an idle keep-alive connection ({@code junction.server.idle-timeout}): one with no
 * request in flight and no bytes arriving for that long. This used to be Netty's
 * {@code IdleStateHandler} in front of the codec, which paid on every request for what only this
 * handler can judge: it turned each write's void promise into a real one with a listener (a promise,
 * a listener array and a clock read per write) and read the clock on every read, while the event it
 * fired was ignored whenever a request was in flight. Here the clock is read once when a
 * connection becomes idle (and on reads that arrive while it is, a request under way), and one
 * timer per connection, re-armed only when it fires, checks it.
 */
final class GatewayHandler extends ChannelInboundHandlerAdapter {

    /** Pipelined requests held per connection while one is in flight. */
    static final int MAX_PIPELINED = 32;

    private final Endpoints endpoints;
    /** The per-process secret that marks a task's own request ({@link LocalGateway}). */
    private final byte[] taskToken;
    private final long maxRequestBytes;
    private final ArrayDeque<FullHttpRequest> pipelined = new ArrayDeque<>(2);
    private ChatExchange inFlight;
    private boolean busy;
    /** More requests were pipelined than are held: close once the held ones are answered. */
    private boolean overflow;
    /** The connection's context (set when added); with the two callbacks below, made once per connection, not per request. */
    private ChannelHandlerContext ctx;
    private final Endpoints.Done done = this::requestDone;
    private final Runnable next = () -> next(ctx);
    /** Where a request id is written before it becomes a string. */
    private final byte[] idBytes = new byte[36];
    /** {@code junction.server.idle-timeout} in nanoseconds. */
    private final long idleNanos;
    /** When the connection was last seen doing something while no request was in flight. */
    private long idleSince;
    private ScheduledFuture<?> idleTimer;
    /** The event loop's clock (its schedule's; a test's loop may stop and advance it). */
    private Ticker ticker;
    private final Runnable idleCheck = this::idleCheck;

    GatewayHandler(Endpoints endpoints, long maxRequestBytes, byte[] taskToken, Duration idleTimeout) {
        this.endpoints = endpoints;
        this.maxRequestBytes = maxRequestBytes;
        this.taskToken = taskToken;
        this.idleNanos = Math.max(1, idleTimeout.toNanos());
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.ticker = ctx.executor().ticker();
        if (ctx.channel().isActive() && ctx.channel().isRegistered()) {
            startIdleClock(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        startIdleClock(ctx);
        ctx.fireChannelActive();
    }

    private void startIdleClock(ChannelHandlerContext ctx) {
        if (idleTimer == null) {
            idleSince = ticker.nanoTime();
            idleTimer = ctx.executor().schedule(idleCheck, idleNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The idle timer fired: close the connection if it has been idle for the whole timeout,
     * otherwise look again when it would have been. While a request is in flight the connection
     * is not idle; the clock starts again when its answer is written ({@link #next}).
     */
    private void idleCheck() {
        idleTimer = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long wait = idleNanos;
        if (!busy) {
            long idle = ticker.nanoTime() - idleSince;
            if (idle >= idleNanos) {
                ctx.close(); // an idle keep-alive connection (junction.server.idle-timeout)
                return;
            }
            wait = idleNanos - idle;
        }
        idleTimer = ctx.executor().schedule(idleCheck, wait, TimeUnit.NANOSECONDS);
    }

    private void stopIdleClock() {
        if (idleTimer != null) {
            idleTimer.cancel(false);
            idleTimer = null;
        }
    }

    /**
     * Bytes arrived that did not start a request (part of one, still under way): the connection is
     * not idle. The read deadline of a request under way is the codec's ({@link ServerHttpCodec}).
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!busy) {
            idleSince = ticker.nanoTime();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (busy) {
            if (pipelined.size() < MAX_PIPELINED && !overflow) {
                pipelined.add(req);
            } else {
                overflow = true;
                req.release();
            }
            // A request waits: read no further until the connection is idle again (next()).
            ctx.channel().config().setAutoRead(false);
            return;
        }
        handle(ctx, req);
    }

    private void handle(ChannelHandlerContext ctx, FullHttpRequest req) {
        String id = req.headers().get(HttpResponses.X_REQUEST_ID);
        if (id == null || id.isEmpty() || id.length() > 128) {
            id = newRequestId(idBytes);
        }
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            req.release();
            busy = true;
            if (cause instanceof TooLongHttpContentException) {
                // The body is still arriving: answer, then drain it before closing (BodyDrain). The
                // codec's keep-alive would close the connection as soon as this answer is written.
                ServerHttpCodec codec = ctx.pipeline().get(ServerHttpCodec.class);
                if (codec != null) {
                    codec.lingerAfterAnswer();
                }
                // In the door's own error shape (SPEC §3.2: the Messages door's 413 is request_too_large).
                FullHttpResponse r = HttpResponses.error(BodyLimitAggregator.tooLarge(maxRequestBytes), id,
                        DoorErrors.forUri(req.uri()));
                r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(r).addListener(f -> {
                    if (f.isSuccess()) {
                        BodyDrain.start(ctx.channel());
                    } else {
                        ctx.close();
                    }
                });
                return;
            }
            boolean tooLong = cause instanceof TooLongFrameException;
            GatewayError e = GatewayError.fatal(tooLong ? 431 : 400, "invalid_request_error",
                    tooLong ? "request_too_large" : "invalid_request",
                    null, tooLong ? "The request line or headers are larger than this gateway accepts (junction.server.max-header-bytes)."
                            : "The HTTP request could not be parsed: " + cause.getMessage());
            FullHttpResponse r = HttpResponses.error(e, id, DoorErrors.forUri(req.uri()));
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(f -> ctx.close());
            return;
        }
        busy = true;
        RequestContext rc = new RequestContext(id, System.nanoTime(), req.method().name(), req.uri());
        String token = req.headers().get(LocalGateway.TOKEN_HEADER);
        if (token != null) {
            // Only this process knows the token; from anyone else the task headers mean nothing.
            if (java.security.MessageDigest.isEqual(taskToken, token.getBytes(java.nio.charset.StandardCharsets.US_ASCII))) {
                rc.taskOwner = req.headers().get(LocalGateway.OWNER_HEADER);
                rc.taskId = req.headers().get(LocalGateway.TASK_HEADER);
            }
            req.headers().remove(LocalGateway.TOKEN_HEADER);
        }
        boolean keepAlive = HttpUtil.isKeepAlive(req);
        inFlight = endpoints.handle(ctx, req, rc, keepAlive, done);
    }

    private void requestDone(ChannelHandlerContext ctx, RequestContext rc) {
        inFlight = null;
        endpoints.log(rc);
        if (pipelined.isEmpty() && !overflow && ctx.channel().isActive() && ctx.channel().config().isAutoRead()) {
            // Nothing waits and nothing is to be turned back on: the connection is idle now. (A
            // request that closes its connection has closed it by the time it is done when the
            // answer left at once; one still being written may close it later, as it could while
            // the task below waited.) The common case costs no task on the event loop.
            busy = false;
            idleSince = ticker.nanoTime();
            return;
        }
        // Later, not from inside the finished request's write listener: that request may still
        // close the connection (Connection: close), and the next one must then not start.
        ctx.executor().execute(next);
    }

    private void next(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            releasePipelined();
            return;
        }
        FullHttpRequest req = pipelined.poll();
        if (req != null) {
            handle(ctx, req);
            return;
        }
        busy = false;
        idleSince = ticker.nanoTime();
        if (overflow) {
            ctx.close();
            return;
        }
        if (!ctx.channel().config().isAutoRead()) {
            ctx.channel().config().setAutoRead(true); // also starts a read
        }
    }

    private void releasePipelined() {
        FullHttpRequest r;
        while ((r = pipelined.poll()) != null) {
            r.release();
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        stopIdleClock();
        releasePipelined();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        ChatExchange x = inFlight;
        if (x != null && ctx.channel().isWritable()) {
            x.onWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        ChatExchange x = inFlight;
        if (x != null) {
            inFlight = null;
            x.cancel();
        }
        stopIdleClock();
        releasePipelined();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        endpoints.connectionError(cause);
        ctx.close();
    }

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /**
     * {@code req_} and 32 random hex digits (two longs with their top bit set: always 16 digits
     * each), written in {@code b} (36 bytes) and made a string once.
     */
    static String newRequestId(byte[] b) {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        b[0] = 'r';
        b[1] = 'e';
        b[2] = 'q';
        b[3] = '_';
        hex(b, 4, r.nextLong() | Long.MIN_VALUE);
        hex(b, 20, r.nextLong() | Long.MIN_VALUE);
        return new String(b, 0, b.length, StandardCharsets.ISO_8859_1);
    }

    private static void hex(byte[] b, int at, long v) {
        for (int i = 15; i >= 0; i--) {
            b[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }
}
