package dev.junction.core.media;

import io.netty.buffer.ByteBuf;

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
}
