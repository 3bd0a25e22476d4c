package dev.junction.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.util.ReferenceCountUtil;

/**
 * Last handler of a pooled upstream channel: decodes the answers from the bytes read
 * ({@link AnswerDecoder}) and hands their heads, body pieces and the end of every read straight to
 * the {@link Receiver} (the {@link UpstreamCall}) currently using the channel — no message object
 * per piece and no further pipeline hop. A pooled channel keeps reading while idle, so a vendor
 * closing it or talking out of turn is seen at once: a close leaves an inactive channel that the
 * pool's health check drops at the next acquire, and an answer that arrives while no call owns the
 * channel is released and the channel closed, since it can no longer be trusted for keep-alive
 * (read later, those bytes would pass for the next request's answer). Neither is logged: both are
 * ordinary for a keep-alive peer.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter implements AnswerDecoder.Sink {

    /** What a call using the channel is told, on the channel's event loop. */
    interface Receiver extends AnswerDecoder.Sink {
        /** A read of the channel ended (everything it carried was handed over). */
        void readComplete();

        /** The connection closed ({@code cause} null) or failed, before the answer ended. */
        void closed(Throwable cause);
    }

    private final AnswerDecoder decoder;
    /** The channel's request codec (null when it has none of its own, as in some tests). */
    private final UpstreamHttpCodec codec;
    private Receiver call;
    private ChannelHandlerContext ctx;

    UpstreamHandler(AnswerDecoder decoder) {
        this(decoder, null);
    }

    UpstreamHandler(AnswerDecoder decoder, UpstreamHttpCodec codec) {
        this.decoder = decoder;
        this.codec = codec;
    }

    /** The channel's request codec, to write a request from (null: write through the pipeline). */
    UpstreamHttpCodec codec() {
        return codec;
    }

    void attach(Receiver c) {
        this.call = c;
    }

    void detach() {
        this.call = null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        decoder.release();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf b)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        decoder.decode(b, ctx.alloc(), this);
    }

    @Override
    public void head(HttpResponse head) {
        Receiver c = call;
        if (c == null) {
            ctx.close(); // an answer nobody asked for
            return;
        }
        c.head(head);
    }

    @Override
    public void content(ByteBuf piece, boolean last) {
        Receiver c = call;
        if (c == null) {
            piece.release();
            ctx.close();
            return;
        }
        c.content(piece, last);
    }

    @Override
    public void malformed(String why) {
        Receiver c = call;
        if (c == null) {
            ctx.close();
            return;
        }
        c.malformed(why);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        Receiver c = call;
        if (c != null) {
            c.readComplete();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        decoder.closed(this); // an answer that runs until the close ends here
        Receiver c = call;
        if (c != null) {
            c.closed(null);
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Receiver c = call;
        if (c != null) {
            c.closed(cause);
        }
        ctx.close();
    }
}
