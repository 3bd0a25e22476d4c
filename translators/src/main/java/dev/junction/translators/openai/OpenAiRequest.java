package dev.junction.translators.openai;

import dev.junction.stream.OpenAiChunkWriter;
import dev.junction.stream.StreamEncoder;
import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.ingress.IngressRequest;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.PassThroughVendor;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.Vendor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One client request as it came through the OpenAI door (chat completions or embeddings): the
 * client's bytes and the facts one scan found in them, and the canonical request decoded from them
 * once, on first use, for the vendors that need it. Answers are OpenAI JSON, streams
 * {@code chat.completion.chunk}s, errors OpenAI's error object; an OpenAI-shaped vendor
 * ({@link PassThroughVendor}) gets the bytes. Shared by every attempt of the request; the body stays
 * owned by the exchange. Confined to the request's event loop.
 */
public final class OpenAiRequest extends IngressRequest {

    private final OpenAiRequestFacts facts;
    private final boolean embeddings;
    private final JsonLimits limits;
    private EmbeddingsRequest embeddingsRequest;

    /**
     * @param responseId the {@code id} of a translated answer ({@code chatcmpl-…})
     * @param created    the {@code created} of a translated answer, epoch seconds
     */
    public OpenAiRequest(ByteBuf body, OpenAiRequestFacts facts, boolean embeddings, JsonLimits limits, String responseId,
                         long created) {
        this(body, facts, embeddings, limits, responseId, null, created);
    }

    /**
     * @param idPrefix  with {@code idSuffix}, the {@code id} of a translated answer
     *                  ({@code chatcmpl-} and the request id), joined only when an answer is translated
     */
    public OpenAiRequest(ByteBuf body, OpenAiRequestFacts facts, boolean embeddings, JsonLimits limits, String idPrefix,
                         String idSuffix, long created) {
        super(body, idPrefix, idSuffix, created);
        this.facts = facts;
        this.embeddings = embeddings;
        this.limits = limits;
    }

    @Override
    public String door() {
        return embeddings ? "embeddings" : "chat";
    }

    public OpenAiRequestFacts facts() {
        return facts;
    }

    public boolean embeddings() {
        return embeddings;
    }

    /** Whether the client asked for a stream. */
    @Override
    public boolean stream() {
        return facts.stream() && !embeddings;
    }

    @Override
    protected ChatRequest decode() {
        return OpenAiRequestDecoder.decodeChat(body(), limits);
    }

    /** The canonical embeddings request, decoded on first use. */
    public EmbeddingsRequest embeddingsRequest() {
        if (embeddingsRequest == null) {
            embeddingsRequest = OpenAiRequestDecoder.decodeEmbeddings(body(), limits);
        }
        return embeddingsRequest;
    }

    @Override
    public ByteBuf encodeAnswer(ChatResponse answer, String model, ByteBufAllocator alloc) {
        return OpenAiResponseEncoder.encodeChat(answer, responseId(), created(), model, alloc);
    }

    @Override
    public StreamEncoder streamEncoder(String model) {
        return new OpenAiChunkWriter(responseId(), created(), model, chat().includeUsage());
    }

    @Override
    public ErrorShape errors() {
        return ErrorShape.OPENAI;
    }

    /** An OpenAI-shaped vendor gets the client's bytes. */
    @Override
    public Translator passThrough(Vendor vendor, Target target, String unsupportedPolicy) {
        return vendor instanceof PassThroughVendor p ? p.passThroughTranslator(this, target, unsupportedPolicy) : null;
    }
}
