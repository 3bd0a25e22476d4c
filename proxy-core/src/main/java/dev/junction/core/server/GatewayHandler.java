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
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Last handler of a client connection, after bounded aggregation: checks the decoded request,
 * gives it an id and hands it to the {@link Endpoints}. One request at a time per connection:
 * auto-read is off from a request's arrival until its answer is written (pipelined requests wait
 * in the socket), which is also the client-side backpressure of house rule 3. Forwards client
 * writability and disconnects to the request in flight.
 */
final class GatewayHandler extends ChannelInboundHandlerAdapter {

    private final Endpoints endpoints;
    /** The per-process secret that marks a task's own request ({@link LocalGateway}). */
    private final byte[] taskToken;
    private ChatExchange inFlight;
    private boolean busy;

    GatewayHandler(Endpoints endpoints, byte[] taskToken) {
        this.endpoints = endpoints;
        this.taskToken = taskToken;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest req)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        String id = req.headers().get(HttpResponses.X_REQUEST_ID);
        if (id == null || id.isEmpty() || id.length() > 128) {
            id = newRequestId();
        }
        if (req.decoderResult().isFailure()) {
            Throwable cause = req.decoderResult().cause();
            req.release();
            boolean tooLong = cause instanceof TooLongFrameException;
            GatewayError e = GatewayError.fatal(tooLong ? 431 : 400, "invalid_request_error",
                    tooLong ? "request_too_large" : "invalid_request",
                    null, tooLong ? "The request line or headers are larger than this gateway accepts (junction.server.max-header-bytes)."
                            : "The HTTP request could not be parsed: " + cause.getMessage());
            FullHttpResponse r = HttpResponses.error(e, id);
            r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(r).addListener(f -> ctx.close());
            return;
        }
        busy = true;
        ctx.channel().config().setAutoRead(false);
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
        inFlight = endpoints.handle(ctx, req, rc, keepAlive, this::requestDone);
    }

    private void requestDone(ChannelHandlerContext ctx, RequestContext rc) {
        inFlight = null;
        busy = false;
        endpoints.log(rc);
        if (ctx.channel().isActive()) {
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }
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

    private static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return "req_" + Long.toHexString(r.nextLong() | Long.MIN_VALUE) + Long.toHexString(r.nextLong() | Long.MIN_VALUE);
    }
}
