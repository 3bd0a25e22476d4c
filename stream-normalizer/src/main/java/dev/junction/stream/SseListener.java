package dev.junction.stream;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Receives what an {@link SseDecoder} decodes, synchronously and in order. */
public interface SseListener {

    /** A complete event. Its buffer is valid only during this call (see {@link SseEvent}). */
    void onEvent(SseEvent event);

    /**
     * A complete event whose data is the bytes {@code src[index, index + length)}, as
     * {@link SseDecoder} calls it: valid only during this call, not to be released nor moved (the
     * reader and writer indexes of {@code src} belong to the decoder and its caller). A listener
     * that only reads the data in place overrides this to spare the event object and the slice
     * built for {@link #onEvent(SseEvent)}, which this default calls.
     */
    default void onEvent(String event, ByteBuf src, int index, int length, String id, Long retryMillis) {
        onEvent(new SseEvent(event, length == 0 ? Unpooled.EMPTY_BUFFER : src.slice(index, length), id, retryMillis));
    }

    /** A comment line (after the colon), e.g. a keep-alive. Valid only during the call. */
    default void onComment(ByteBuf comment) {
    }
}
