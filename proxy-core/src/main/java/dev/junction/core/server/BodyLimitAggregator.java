package dev.junction.core.server;

import dev.junction.core.http.HttpResponses;
import dev.junction.stream.GatewayError;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.util.ReferenceCountUtil;

/**
 * Bounded aggregation of a request body, right after the HTTP codec (and its read deadline), which
 * adds it to a connection the first time a request there does not arrive whole in one read
 * ({@link ServerHttpCodec#forGateway}).
 * Netty's aggregator answers an oversized request with an empty 413 of its own at once; this one
 * passes an oversized request on as a request whose decoding failed with
 * {@link TooLongHttpContentException}, so that {@link GatewayHandler} answers it with Junction's
 * error JSON ({@code request_too_large}) in its turn among pipelined requests and then drains the
 * rest of the body before closing ({@link BodyDrain}). An {@code Expect: 100-continue} announcing
 * an oversized body is answered 413 here (the client has sent no body) and closed. Both answers
 * are in the door's error shape ({@link DoorErrors}).
 */
final class BodyLimitAggregator extends HttpObjectAggregator {

    private final int maxBytes;

    BodyLimitAggregator(int maxBytes) {
        super(maxBytes, true);
        this.maxBytes = maxBytes;
    }

    private GatewayError tooLarge() {
        return tooLarge(maxBytes);
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object r = super.newContinueResponse(start, maxContentLength, pipeline);
        if (r instanceof FullHttpResponse full && full.status().code() == 413) {
            ReferenceCountUtil.release(r);
            // In the door's own error shape: Anthropic's for the Messages door (SPEC §3.2).
            FullHttpResponse mine = HttpResponses.error(tooLarge(), null,
                    DoorErrors.forUri(start instanceof HttpRequest req ? req.uri() : null));
            mine.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            return mine;
        }
        return r;
    }

    @Override
    protected boolean closeAfterContinueResponse(Object msg) {
        return msg instanceof FullHttpResponse r && r.status().code() == 413 || super.closeAfterContinueResponse(msg);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
        if (!(oversized instanceof HttpRequest req)) {
            ctx.close();
            return;
        }
        FullHttpRequest marker = new DefaultFullHttpRequest(req.protocolVersion(), req.method(), req.uri(),
                Unpooled.EMPTY_BUFFER, req.headers().copy(), EmptyHttpHeaders.INSTANCE);
        marker.setDecoderResult(DecoderResult.failure(new TooLongHttpContentException(tooLarge().message())));
        ctx.fireChannelRead(marker);
    }

    /** The answer to a request that {@link #handleOversizedMessage} passed on. */
    static GatewayError tooLarge(long maxBytes) {
        return GatewayError.fatal(413, "invalid_request_error", "request_too_large", null,
                "The request body is larger than this gateway accepts (" + maxBytes
                        + " bytes, junction.server.max-request-bytes). Send a smaller request.");
    }

}
