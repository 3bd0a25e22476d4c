package dev.junction.translators.spi;

import dev.junction.stream.SseDecoder;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.util.function.Consumer;

/**
 * Turns one vendor event stream into canonical {@link StreamEvent}s. Stateful, one instance per
 * upstream response, driven from one thread. The event's buffer is valid only during the call.
 */
public interface StreamTranslator {

    /** One decoded SSE event from the vendor. */
    void onEvent(SseEvent event, Consumer<StreamEvent> out);

    /**
     * One decoded SSE event named {@code name} (null when absent) whose data is the bytes
     * {@code src[index, index + length)}, as {@link dev.junction.stream.SseListener} hands them
     * over: valid only during this call, not to be released, retained or moved. A translator that
     * reads the data in place overrides this to spare the event object and the slice this default
     * builds for {@link #onEvent(SseEvent, Consumer)}.
     */
    default void onEvent(String name, ByteBuf src, int index, int length, Consumer<StreamEvent> out) {
        onEvent(new SseEvent(name, length == 0 ? Unpooled.EMPTY_BUFFER : src.slice(index, length), null, null), out);
    }

    /**
     * Reads the value of each {@code data:} line while the decoder looks for the line's end
     * ({@link SseDecoder.LineScanner}), so that the event's bytes are searched and scanned once, or
     * null (the default: the decoder finds line ends itself). A translator that returns one is told
     * of the event that line starts through {@link #onEvent(String, ByteBuf, int, int, Consumer)}
     * before any other call, and may keep what the scan read for that call.
     */
    default SseDecoder.LineScanner lineScanner() {
        return null;
    }

    /**
     * The vendor closed the stream. Emits whatever completes it (e.g. Gemini's usage, which has no
     * terminator event) or, if the vendor stopped before its own end marker, an
     * {@link StreamEvent.Error} with code {@code stream_interrupted}.
     */
    void onEnd(Consumer<StreamEvent> out);
}
