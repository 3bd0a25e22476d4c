package dev.junction.translators.spi;

import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;

import java.util.function.Consumer;

/**
 * Turns one vendor event stream into canonical {@link StreamEvent}s. Stateful, one instance per
 * upstream response, driven from one thread. The event's buffer is valid only during the call.
 */
public interface StreamTranslator {

    /** One decoded SSE event from the vendor. */
    void onEvent(SseEvent event, Consumer<StreamEvent> out);

    /**
     * The vendor closed the stream. Emits whatever completes it (e.g. Gemini's usage, which has no
     * terminator event) or, if the vendor stopped before its own end marker, an
     * {@link StreamEvent.Error} with code {@code stream_interrupted}.
     */
    void onEnd(Consumer<StreamEvent> out);
}
