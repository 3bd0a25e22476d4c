package dev.junction.core.upstream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;
import io.netty.handler.codec.http.HttpMethod;

/**
 * A whole upstream request — request line, headers and body — already in its wire form, written
 * by {@link RequestHeads}. {@link UpstreamHttpCodec} sends its bytes as they are, after noting its
 * method for the answer's decoder, instead of encoding a header map.
 *
 * <p>The bytes hold the vendor's credentials (its auth header): nothing prints them. {@link #toString}
 * names the method and the size only, and the buffer's own {@code toString} shows indices, not content.
 */
public final class EncodedRequest extends DefaultByteBufHolder {

    private final HttpMethod method;

    EncodedRequest(HttpMethod method, ByteBuf wire) {
        super(wire);
        this.method = method;
    }

    /** The request's method (what its answer is decoded for: a HEAD answer has no body). */
    public HttpMethod method() {
        return method;
    }

    @Override
    public EncodedRequest replace(ByteBuf content) {
        return new EncodedRequest(method, content);
    }

    @Override
    public String toString() {
        return "EncodedRequest(" + method + ", " + content().readableBytes() + " bytes)";
    }
}
