package dev.junction.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.StreamReadFeature;

/** The one Jackson factory of this module: thread-safe, shared, configured once. */
final class Json {

    static final JsonFactory FACTORY = JsonFactory.builder()
            // Generators write into ByteBufOutputStreams whose buffers the caller owns and releases.
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .disable(StreamReadFeature.AUTO_CLOSE_SOURCE)
            .build();

    private Json() {
    }
}
