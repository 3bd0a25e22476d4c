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
 * contents) are encoded by Netty's encoder.
 *
 * <p>{@code CONNECT} is refused: the gateway never tunnels through a vendor, and an answer to it
 * would not be HTTP after its head.
 */
final class UpstreamHttpCodec extends HttpRequestEncoder {

    /** The methods of the requests written whose answers have not begun, in order (shared with the decoder). */
    private final ArrayDeque<HttpMethod> methods;

    UpstreamHttpCodec(ArrayDeque<HttpMethod> methods) {
        this.methods = methods;
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
            // A duplicate of its own: a write that fails half-way leaves the request's bytes
            // whole for a retry on another connection. The write takes the request's reference.
            ctx.write(e.content().retainedDuplicate(), promise);
            e.release();
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
