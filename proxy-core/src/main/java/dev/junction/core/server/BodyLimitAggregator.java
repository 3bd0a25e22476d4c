package dev.junction.core.server;

import dev.junction.core.http.HttpResponses;
import dev.junction.stream.GatewayError;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.util.ReferenceCountUtil;

/**
 * Bounded aggregation of a request body, after the HTTP codec and the read-timeout handler.
 * Netty's aggregator answers an oversized request with an empty 413 of its own; this one answers
 * with Junction's error JSON ({@code request_too_large}, SPEC §4) and closes the connection, both
 * for a body that grows too large and for an {@code Expect: 100-continue} announcing one.
 */
final class BodyLimitAggregator extends HttpObjectAggregator {

    private final int maxBytes;

    BodyLimitAggregator(int maxBytes) {
        super(maxBytes, true);
        this.maxBytes = maxBytes;
    }

    private GatewayError tooLarge() {
        return GatewayError.fatal(413, "invalid_request_error", "request_too_large", null,
                "The request body is larger than this gateway accepts (" + maxBytes
                        + " bytes, junction.server.max-request-bytes). Send a smaller request.");
    }

    @Override
    protected Object newContinueResponse(HttpMessage start, int maxContentLength, ChannelPipeline pipeline) {
        Object r = super.newContinueResponse(start, maxContentLength, pipeline);
        if (r instanceof FullHttpResponse full && full.status().code() == 413) {
            ReferenceCountUtil.release(r);
            FullHttpResponse mine = HttpResponses.error(tooLarge(), null);
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
        FullHttpResponse r = HttpResponses.error(tooLarge(), oversized.headers().get(HttpResponses.X_REQUEST_ID));
        r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        ctx.writeAndFlush(r).addListener(ChannelFutureListener.CLOSE);
    }
}
