package dev.junction.core.server;

import dev.junction.core.http.HttpResponses;
import dev.junction.stream.GatewayError;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Cuts off slow clients (SPEC §9): once a request starts, its whole body must arrive within
 * {@code junction.server.request-read-timeout}, or the client gets a 408 and the connection is
 * closed. Sits right after the HTTP codec, before aggregation.
 */
final class RequestReadTimeoutHandler extends ChannelDuplexHandler {

    private final Duration timeout;
    private ScheduledFuture<?> timer;
    /** A request has started and its last part has not arrived yet. */
    private boolean incomplete;

    RequestReadTimeoutHandler(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            incomplete = true;
        }
        if (msg instanceof LastHttpContent) {
            incomplete = false;
            cancel();
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * The timer is armed only when a read ends with a request still incomplete: most requests
     * arrive in one read and never pay for a timer.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (incomplete && timer == null) {
            timer = ctx.executor().schedule(() -> expire(ctx), timeout.toMillis(), TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelReadComplete();
    }

    private void expire(ChannelHandlerContext ctx) {
        timer = null;
        GatewayError e = GatewayError.fatal(408, "invalid_request_error", "request_timeout", null,
                "The request was not received within " + timeout.toSeconds()
                        + "s (junction.server.request-read-timeout); the connection is closed.");
        FullHttpResponse r = HttpResponses.error(e, null);
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }

    private void cancel() {
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        cancel();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        cancel();
        ctx.fireChannelInactive();
    }
}
