package dev.junction.core.server;

import dev.junction.core.http.HttpResponses;
import dev.junction.stream.GatewayError;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Cuts off slow clients (SPEC §9): a request must arrive whole — request line, headers and body —
 * within {@code junction.server.request-read-timeout} of its first byte, or the client gets a 408
 * and the connection is closed. The clock starts at the first byte, not when the headers are
 * decoded, so a request line or header block trickled a byte at a time (slowloris) is cut off like
 * a slow body; and it is one deadline, not an idle timer that every byte resets.
 *
 * <p>Sits right after the HTTP codec, before aggregation. The codec passes on every read's
 * {@code channelReadComplete} even when the bytes did not make a message yet, which is how the
 * first bytes of a request are seen: any read that does not end exactly at the end of a request
 * leaves a request under way.
 */
final class RequestReadTimeoutHandler extends ChannelDuplexHandler {

    private final Duration timeout;
    private ScheduledFuture<?> timer;
    /** The last message of the current read was the end of a request (or nothing was decoded yet). */
    private boolean endedAtRequestEnd;
    /** A response head was written and its last part not yet: the client is not the one late. */
    private boolean responding;
    /**
     * Requests read whole and not answered yet. The connection keeps reading while one is in
     * flight, so the next request's first bytes may arrive long before its turn: while an answer
     * is owed, the gateway, not the client, is the one late.
     */
    private int owed;
    /** The URI of the request under way once its head is decoded: its door's error shape. */
    private String uri;

    RequestReadTimeoutHandler(Duration timeout) {
        this.timeout = timeout;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest head) {
            uri = head.uri();
        }
        if (msg instanceof LastHttpContent) {
            owed++;
            endedAtRequestEnd = true;
            uri = null;
            cancel();
        } else {
            endedAtRequestEnd = false;
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * Bytes arrived. Unless they ended exactly at the end of a request, a request is under way: its
     * deadline starts now if it has not started yet. Most requests arrive in one read and never
     * pay for a timer.
     */
    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (!endedAtRequestEnd && timer == null) {
            arm(ctx);
        }
        endedAtRequestEnd = false;
        ctx.fireChannelReadComplete();
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse r && r.status().code() >= 200) {
            responding = true;
        }
        if (msg instanceof LastHttpContent && responding) {
            responding = false;
            if (owed > 0) {
                owed--;
            }
        }
        ctx.write(msg, promise);
    }

    private void arm(ChannelHandlerContext ctx) {
        timer = ctx.executor().schedule(() -> expire(ctx), timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void expire(ChannelHandlerContext ctx) {
        timer = null;
        if (responding || owed > 0) {
            // A pipelined request waits behind an answer not yet written or still being written: a
            // 408 now would come before or cut into that answer. Start again.
            arm(ctx);
            return;
        }
        GatewayError e = GatewayError.fatal(408, "invalid_request_error", "request_timeout", null,
                "The request was not received within " + timeout.toMillis()
                        + " ms of its first byte (junction.server.request-read-timeout); the connection is closed.");
        // In the door's error shape when the head arrived (a body trickled to /v1/messages is
        // answered in Anthropic's shape); a head not received yet names no door: OpenAI's.
        FullHttpResponse r = HttpResponses.error(e, null, DoorErrors.forUri(uri));
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
