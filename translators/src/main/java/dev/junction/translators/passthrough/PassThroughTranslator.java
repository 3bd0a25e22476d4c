package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.openai.OpenAiRequest;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import dev.junction.translators.stream.PassThroughStreamProcessor;
import dev.junction.translators.stream.StreamProcessor;
import dev.junction.translators.stream.UsageScanner;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The OpenAI door to an OpenAI-shaped vendor: the client's bytes go up with the model and the
 * stream usage option spliced (and what the server's dialect needs), and the vendor's bytes come
 * back (DESIGN house rule 5). One of the {@link Translator}s, with nothing of its own to translate.
 */
final class PassThroughTranslator implements Translator {

    private final PassThroughVendor vendor;
    private final OpenAiRequest request;
    private final Target target;
    private Usage usage;

    PassThroughTranslator(PassThroughVendor vendor, OpenAiRequest request, Target target) {
        this.vendor = vendor;
        this.request = request;
        this.target = target;
    }

    @Override
    public int calls() {
        return 1;
    }

    @Override
    public UpstreamRequest request(ByteBufAllocator alloc, Warnings warnings) {
        return request.embeddings() ? vendor.embeddingsRequest(request.body(), request.facts(), target, alloc, warnings)
                : vendor.chatRequest(request.body(), request.facts(), target, alloc, warnings);
    }

    @Override
    public ByteBuf answer(ByteBuf body, ByteBufAllocator alloc) {
        usage = UsageScanner.topLevelUsage(body);
        ByteBuf out = request.embeddings() ? body.retainedDuplicate() : vendor.chatResponse(target, body);
        // Only an answer without a usage object is looked at again: a compliant one costs nothing more.
        return usage == null ? NullUsage.strip(out) : out;
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public StreamProcessor streamProcessor() {
        return new PassThroughStreamProcessor(request.facts().includeUsage(), request.facts().n(), vendor, target);
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        return vendor.error(target, status, headers, body);
    }
}
