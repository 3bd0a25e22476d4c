package dev.junction.stream;

import io.netty.buffer.ByteBuf;

/**
 * One server-sent event as decoded by {@link SseDecoder}: the {@code event} name (null when absent),
 * the {@code data} lines joined with {@code \n} as raw UTF-8 bytes, the last {@code id} and
 * {@code retry} fields (null when absent).
 *
 * <p>{@code data} is owned by the decoder and valid only during {@link SseListener#onEvent}; a
 * listener that keeps it beyond the call must {@code retain()} (or {@code retainedSlice()}) it.
 */
public record SseEvent(String event, ByteBuf data, String id, Long retryMillis) {
}
