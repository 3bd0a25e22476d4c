package dev.junction.core.upstream;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.CombinedChannelDuplexHandler;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpRequestEncoder;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpStatusClass;

import java.util.ArrayDeque;

/**
 * An upstream connection's HTTP/1.1 codec: Netty's response decoder and request encoder, paired as
 * Netty's {@code HttpClientCodec} pairs them — each answer is decoded for the method of its request,
 * in order (the answer to a {@code HEAD} has no body, whatever its headers say; an interim
 * {@code 1xx} answers nothing, so its request stays waiting) — plus one thing that codec cannot do:
 * an {@link EncodedRequest} (a request already in wire form, see {@link RequestHeads}) is written as
 * its bytes, after its method is queued like any request's, instead of being encoded from a header
 * map. Other requests ({@link HttpRequest} and its contents) are encoded by Netty's encoder.
 *
 * <p>{@code CONNECT} is refused: the gateway never tunnels through a vendor, and an answer to it
 * would not be HTTP after its head.
 */
final class UpstreamHttpCodec extends CombinedChannelDuplexHandler<HttpResponseDecoder, HttpRequestEncoder> {

    /** The methods of the requests written whose answers have not begun, in order. */
    private final ArrayDeque<HttpMethod> methods = new ArrayDeque<>(2);

    UpstreamHttpCodec(HttpDecoderConfig config) {
        init(new Decoder(config), new Encoder());
    }

    private void queue(HttpMethod method) {
        if (HttpMethod.CONNECT.equals(method)) {
            throw new IllegalArgumentException("CONNECT is not sent to a provider");
        }
        methods.add(method);
    }

    private final class Decoder extends HttpResponseDecoder {

        Decoder(HttpDecoderConfig config) {
            super(config);
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            HttpResponse r = (HttpResponse) msg;
            if (r.status().codeClass() == HttpStatusClass.INFORMATIONAL) {
                return super.isContentAlwaysEmpty(msg); // an interim answer: its request waits on
            }
            // An answer nothing asked for (the queue is empty) is decoded as for a GET; the
            // connection's handler refuses it anyway.
            HttpMethod method = methods.poll();
            return HttpMethod.HEAD.equals(method) || super.isContentAlwaysEmpty(msg);
        }
    }

    private final class Encoder extends HttpRequestEncoder {

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
                    io.netty.util.ReferenceCountUtil.release(msg);
                    throw refused;
                }
            }
            super.write(ctx, msg, promise);
        }
    }
}
