package dev.junction.translators.stream;

import dev.junction.stream.GatewayError;
import dev.junction.stream.JsonTextSink;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.StreamEncoder;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import dev.junction.translators.spi.StreamTranslator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;
import java.util.function.Consumer;

/**
 * A translated vendor stream: vendor SSE bytes → {@link dev.junction.stream.SseDecoder} → the
 * vendor's {@link StreamTranslator} → canonical events → {@link dev.junction.stream.StreamGuard}
 * and the client door's {@link StreamEncoder} ({@link OpenAiChunkWriter} for chat completions) →
 * the client's frames (DESIGN request flow step 5). A vendor error
 * event, or an end the translator calls truncated, is judged by the guard.
 */
public final class TranslatedStreamProcessor extends SseStreamProcessor implements Consumer<StreamEvent>, JsonTextSink {

    private final StreamTranslator translator;
    private final StreamEncoder writer;
    /** The frames of one upstream read go into one buffer ({@link #frameBuffer}), as the pass-through writes them. */
    private final StreamEncoder.FrameBuffers frames = this::frameBuffer;
    private Usage usage;

    /** @param choices how many choices the vendor answers in this stream (the request's {@code n}) */
    public TranslatedStreamProcessor(StreamTranslator translator, StreamEncoder writer, int choices) {
        super(choices, translator.lineScanner());
        this.translator = translator;
        this.writer = writer;
    }

    @Override
    public void onEvent(SseEvent event) {
        if (!stopped()) {
            translator.onEvent(event, this);
        }
    }

    /** The decoder's entry point: the event's bytes go to the translator in place (no event object, no slice). */
    @Override
    public void onEvent(String event, ByteBuf src, int index, int length, String id, Long retryMillis) {
        if (!stopped()) {
            translator.onEvent(event, src, index, length, this);
        }
    }

    @Override
    public void accept(StreamEvent e) {
        if (stopped()) {
            return;
        }
        if (e instanceof StreamEvent.Error err) {
            failed(err.error());
            return;
        }
        if (e instanceof StreamEvent.UsageReport u) {
            usage = u.usage();
        }
        guard.observe(e);
        writer.write(e, frames, alloc, out);
    }

    /**
     * A fragment as the vendor's JSON string bytes: handed to the encoder as they are when it takes
     * them ({@link StreamEncoder#writeJsonText}), with the guard told of the content as
     * {@link #accept} tells it of the event's.
     */
    @Override
    public boolean jsonText(JsonTextSink.Kind kind, int choice, int toolIndex, byte[] json, int from, int to) {
        if (stopped()) {
            return true; // as accept: nothing after the stream stopped
        }
        if (!writer.writeJsonText(kind, choice, toolIndex, json, from, to, frames, alloc, out)) {
            return false;
        }
        guard.content();
        return true;
    }

    /** The translator knows its vendor's end marker: without an error from it, the stream is complete. */
    @Override
    protected void upstreamEnded() {
        translator.onEnd(this);
        if (vendorError() == null) {
            completed();
        }
    }

    @Override
    protected void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
        writer.finish(alloc, out);
    }

    @Override
    public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
        writer.fail(error, alloc, out);
    }

    @Override
    public Usage usage() {
        return usage;
    }
}
