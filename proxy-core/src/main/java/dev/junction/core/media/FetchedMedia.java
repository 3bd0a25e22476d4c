package dev.junction.core.media;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.base64.Base64;
import io.netty.handler.codec.base64.Base64Dialect;

import java.util.Objects;

/**
 * A fetched image or document: its media type (one of {@link FetchPolicy#mimeTypes()}, taken from
 * the magic bytes when they are recognised, otherwise from {@code Content-Type}) and its bytes.
 * The receiver owns {@code bytes} and must release it.
 */
public record FetchedMedia(String mimeType, ByteBuf bytes) {

    public FetchedMedia {
        Objects.requireNonNull(mimeType, "mimeType");
        Objects.requireNonNull(bytes, "bytes");
    }

    /**
     * The bytes as standard base64 without line breaks, in a new buffer the caller owns, ready to be
     * wrapped in a {@code ByteSpan} for {@code MediaSource.Inline} (vendors' inline-data fields take
     * exactly this form). {@link #bytes()} is left as it is: still owned by the caller.
     */
    public ByteBuf encodeBase64(ByteBufAllocator alloc) {
        return Base64.encode(bytes, bytes.readerIndex(), bytes.readableBytes(), false, Base64Dialect.STANDARD, alloc);
    }
}
