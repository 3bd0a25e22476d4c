package dev.junction.core.proxy;

import dev.junction.stream.GatewayError;
import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.stream.Usage;
import dev.junction.translators.spi.StreamTranslator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.util.List;
import java.util.function.Consumer;

/**
 * A translated vendor stream: vendor SSE bytes → {@link SseDecoder} → the vendor's
 * {@link StreamTranslator} → canonical events → {@link OpenAiChunkWriter} → the client's chunks
 * (DESIGN request flow step 5). A vendor error event, or an end the translator calls truncated,
 * becomes {@link #vendorError()} for the exchange to fail over or report in-band.
 */
final class TranslatedStreamProcessor extends SseStreamProcessor implements Consumer<StreamEvent> {

    private final StreamTranslator translator;
    private final OpenAiChunkWriter writer;
    private boolean content;
    private Usage usage;

    TranslatedStreamProcessor(StreamTranslator translator, OpenAiChunkWriter writer) {
        this.translator = translator;
        this.writer = writer;
    }

    @Override
    public void onEvent(SseEvent event) {
        if (vendorError == null) {
            translator.onEvent(event, this);
        }
    }

    @Override
    public void accept(StreamEvent e) {
        if (vendorError != null) {
            return;
        }
        if (e instanceof StreamEvent.Error err) {
            vendorError = err.error();
            return;
        }
        if (e instanceof StreamEvent.UsageReport u) {
            usage = u.usage();
        }
        if (isContent(e)) {
            content = true;
        }
        writer.write(e, alloc, out);
    }

    @Override
    public boolean hasContent() {
        return content;
    }

    @Override
    public GatewayError end(ByteBufAllocator alloc, List<ByteBuf> out) {
        if (vendorError != null) {
            return vendorError;
        }
        this.alloc = alloc;
        this.out = out;
        try {
            translator.onEnd(this);
        } finally {
            this.out = null;
        }
        if (vendorError != null) {
            return vendorError;
        }
        writer.finish(alloc, out);
        return null;
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
