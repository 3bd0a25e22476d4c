package dev.junction.translators.spi;

import io.netty.buffer.ByteBuf;

import java.util.List;
import java.util.Map;

/**
 * The vendor request an adapter built: a path (with query) relative to the provider's base URL,
 * headers (auth included), and the body, which the caller owns and releases after writing.
 * {@code stream} says whether the answer is an event stream.
 */
public record UpstreamRequest(String method, String path, List<Map.Entry<String, String>> headers,
                              ByteBuf body, boolean stream) {

    public UpstreamRequest {
        headers = List.copyOf(headers);
    }
}
