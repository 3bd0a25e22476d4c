package dev.junction.translators.openai;

import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import io.netty.buffer.ByteBuf;

/**
 * One client request as it came through the OpenAI door (chat completions or embeddings): the
 * client's bytes and the facts one scan found in them, and the canonical request decoded from them
 * once, on first use, for the vendors that need it. Shared by every attempt of the request; the
 * body stays owned by the exchange. Confined to the request's event loop.
 */
public final class OpenAiRequest {

    private final ByteBuf body;
    private final OpenAiRequestFacts facts;
    private final boolean embeddings;
    private final JsonLimits limits;
    private final String responseId;
    private final long created;
    private ChatRequest chat;
    private EmbeddingsRequest embeddingsRequest;

    /**
     * @param responseId the {@code id} of a translated answer ({@code chatcmpl-…})
     * @param created    the {@code created} of a translated answer, epoch seconds
     */
    public OpenAiRequest(ByteBuf body, OpenAiRequestFacts facts, boolean embeddings, JsonLimits limits, String responseId,
                         long created) {
        this.body = body;
        this.facts = facts;
        this.embeddings = embeddings;
        this.limits = limits;
        this.responseId = responseId;
        this.created = created;
    }

    /** The client's body (not owned). */
    public ByteBuf body() {
        return body;
    }

    public OpenAiRequestFacts facts() {
        return facts;
    }

    public boolean embeddings() {
        return embeddings;
    }

    /** Whether the client asked for a stream. */
    public boolean stream() {
        return facts.stream() && !embeddings;
    }

    public String responseId() {
        return responseId;
    }

    public long created() {
        return created;
    }

    /** The canonical chat request, decoded on first use; throws {@code TranslationException} for an invalid body. */
    public ChatRequest chat() {
        if (chat == null) {
            chat = OpenAiRequestDecoder.decodeChat(body, limits);
        }
        return chat;
    }

    /** Replaces the canonical chat request, e.g. by one whose remote media were fetched and inlined. */
    public void useChat(ChatRequest inlined) {
        this.chat = inlined;
    }

    /** The canonical embeddings request, decoded on first use. */
    public EmbeddingsRequest embeddingsRequest() {
        if (embeddingsRequest == null) {
            embeddingsRequest = OpenAiRequestDecoder.decodeEmbeddings(body, limits);
        }
        return embeddingsRequest;
    }
}
