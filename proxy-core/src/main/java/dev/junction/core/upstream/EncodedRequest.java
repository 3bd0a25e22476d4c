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
    /** Where its bytes begin: a write moves the buffer's reader index, a retry starts over from here. */
    private final int from;

    EncodedRequest(HttpMethod method, ByteBuf wire) {
        super(wire);
        this.method = method;
        this.from = wire.readerIndex();
    }

    /**
     * Its bytes, all of them again: the buffer itself (no duplicate), its reader index set back to
     * where the request begins, since a write that failed half-way has moved it. A write takes the
     * request's reference.
     */
    ByteBuf rewound() {
        return content().readerIndex(from);
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
