package dev.junction.core.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of a pooled upstream channel, after {@code HttpClientCodec}: hands every response
 * object to the {@link UpstreamCall} currently using the channel. A message that arrives while no
 * call owns the channel (a vendor talking out of turn) is released and the channel closed, since
 * it can no longer be trusted for keep-alive.
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
