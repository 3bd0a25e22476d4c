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
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Last handler of a client connection, after bounded aggregation: checks the decoded request,
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

    GatewayHandler(Endpoints endpoints, long maxRequestBytes, byte[] taskToken) {
        this.endpoints = endpoints;
        this.maxRequestBytes = maxRequestBytes;
        this.taskToken = taskToken;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
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
                // keep-alive handler would close the connection as soon as this answer is written.
                if (ctx.pipeline().get("keep-alive") != null) {
                    ctx.pipeline().remove("keep-alive");
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
        releasePipelined();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent && !busy) {
            ctx.close(); // an idle keep-alive connection (junction.server.idle-timeout)
            return;
        }
        ctx.fireUserEventTriggered(evt);
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
