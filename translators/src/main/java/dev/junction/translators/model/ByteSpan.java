package dev.junction.translators.model;

import io.netty.buffer.ByteBuf;

import java.nio.charset.StandardCharsets;

/**
 * A range of bytes inside the client's request body, used for large payloads (base64 media) that
 * are carried into the vendor body as slices rather than materialised as Java strings
 * (DESIGN house rule 5). The span does not own the buffer: it is valid while the request body is.
 */
public record ByteSpan(ByteBuf buffer, int offset, int length) {

    public ByteSpan {
        if (offset < 0 || length < 0 || offset + length > buffer.writerIndex()) {
            throw new IllegalArgumentException("span " + offset + "+" + length + " outside buffer");
        }
    }

    /** A slice sharing the bytes; the caller retains it if it outlives the request body. */
    public ByteBuf slice() {
        return buffer.slice(offset, length);
    }

    /** Copies the bytes into a String (for small spans and tests only). */
    public String asString() {
        return buffer.toString(offset, length, StandardCharsets.US_ASCII);
    }
}
