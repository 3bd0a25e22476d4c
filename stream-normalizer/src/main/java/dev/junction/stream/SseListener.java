package dev.junction.stream;

import io.netty.buffer.ByteBuf;

/** Receives what an {@link SseDecoder} decodes, synchronously and in order. */
public interface SseListener {

    /** A complete event. Its buffer is valid only during this call (see {@link SseEvent}). */
    void onEvent(SseEvent event);

    /** A comment line (after the colon), e.g. a keep-alive. Valid only during the call. */
    default void onComment(ByteBuf comment) {
    }
}
