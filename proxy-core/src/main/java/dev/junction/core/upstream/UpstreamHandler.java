package dev.junction.core.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of a pooled upstream channel, after {@link UpstreamHttpCodec}: hands every response
 * object and the end of every read to the {@link UpstreamCall} currently using the channel. A
 * pooled channel keeps reading while idle, so a vendor closing it or talking out of turn is seen
 * at once: a close leaves an inactive channel that the pool's health check drops at the next
 * acquire, and a message that arrives while no call owns the channel is released and the channel
 * closed, since it can no longer be trusted for keep-alive (read later, those bytes would pass for
 * the next request's answer). Neither is logged: both are ordinary for a keep-alive peer.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {

    private UpstreamCall call;

    void attach(UpstreamCall c) {
        this.call = c;
    }

    void detach() {
        this.call = null;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        UpstreamCall c = call;
        if (c == null || !(msg instanceof HttpObject o)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        c.onMessage(o);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        UpstreamCall c = call;
        if (c != null) {
            c.onReadComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        UpstreamCall c = call;
        if (c != null) {
            c.onClosed(null);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        UpstreamCall c = call;
        if (c != null) {
            c.onClosed(cause);
        }
        ctx.close();
    }
}
