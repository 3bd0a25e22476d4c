package dev.junction.core.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.util.ReferenceCountUtil;

import java.util.ArrayDeque;

/**
 * The write side of an upstream connection's HTTP/1.1: each request's method is queued for the
 * answer's decoder ({@link AnswerDecoder}, in {@link UpstreamHandler}), which decodes the answers
 * in order for the methods of their requests (the answer to a {@code HEAD} has no body, whatever
 * its headers say). An {@link EncodedRequest} (a request already in wire form, see
 * {@link RequestHeads}) is written as its bytes; other requests ({@link HttpRequest} and its
 * contents) are encoded by Netty's encoder. A call on a kept-alive connection hands its request in
 * wire form straight to {@link #send}, which writes it on from here: no hop from the pipeline's
 * tail and no promise.
 *
 * <p>{@code CONNECT} is refused: the gateway never tunnels through a vendor, and an answer to it
 * would not be HTTP after its head.
 */
final class UpstreamHttpCodec extends HttpRequestEncoder {

    /** The methods of the requests written whose answers have not begun, in order (shared with the decoder). */
    private final ArrayDeque<HttpMethod> methods;
    private ChannelHandlerContext ctx;

    UpstreamHttpCodec(ArrayDeque<HttpMethod> methods) {
        this.methods = methods;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /**
     * Writes and flushes {@code e} from this handler's place in the pipeline, with no promise: the
     * write takes one reference of {@code e}, and a write that fails is told to the pipeline
     * ({@code exceptionCaught}, then the close), as the channel's void promise does. A request this
     * codec refuses ({@code CONNECT}) throws, nothing written and no reference taken. Call on the
     * channel's event loop.
     */
    void send(EncodedRequest e) {
        queue(e.method());
        ctx.writeAndFlush(e.rewound(), ctx.voidPromise());
    }

    private void queue(HttpMethod method) {
        if (HttpMethod.CONNECT.equals(method)) {
            throw new IllegalArgumentException("CONNECT is not sent to a provider");
        }
        methods.add(method);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
        if (msg instanceof EncodedRequest e) {
            try {
                queue(e.method());
            } catch (IllegalArgumentException refused) {
                e.release();
                throw refused;
            }
            // The write takes the request's reference; a retry rewinds the bytes again.
            ctx.write(e.rewound(), promise);
            return;
        }
        if (msg instanceof HttpRequest r) {
            try {
                queue(r.method());
            } catch (IllegalArgumentException refused) {
                ReferenceCountUtil.release(msg);
                throw refused;
            }
        }
        super.write(ctx, msg, promise);
    }
}
