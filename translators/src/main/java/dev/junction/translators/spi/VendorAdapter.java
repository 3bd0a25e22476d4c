package dev.junction.translators.spi;

import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.openai.CanonicalTranslator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * A vendor's side of the canonical model, which lets it serve every client door (OpenAI chat,
 * Anthropic Messages, OpenAI Responses) without knowing which one a request came in by. Stateless and thread-safe: one instance per vendor
 * type, looked up by {@link #type()} in {@code VendorRegistry}. All methods are pure functions over
 * bytes and canonical values, testable without a network (DESIGN "translators"). The proxy reaches
 * it through the {@link Translator} it opens per request ({@link CanonicalTranslator}).
 *
 * <p>Translation is re-runnable: {@link #chatRequest} is called again for each attempt from the
 * untouched canonical request.
 */
public interface VendorAdapter extends Vendor {

    /** Requests from every door whose shape the vendor does not speak reach it through the canonical model. */
    @Override
    default VendorAdapter adapter() {
        return this;
    }

    /**
     * This adapter as it reads answers for {@code target}: the same instance unless the vendor's
     * reading depends on a provider option (an OpenAI-compatible server's dialect). Called once per
     * request and route, before any other method.
     */
    default VendorAdapter forTarget(Target target) {
        return this;
    }

    /**
     * Builds the vendor request. Throws {@link TranslationException} carrying an
     * {@code invalid_value} / {@code unsupported_capability} error for a field the vendor cannot
     * honour (never a silent clamp); dropped-with-warning fields are reported through
     * {@code warnings}.
     */
    UpstreamRequest chatRequest(ChatRequest request, Target target, ByteBufAllocator alloc, Warnings warnings);

    /** Parses a successful (2xx) non-streamed vendor answer. */
    ChatResponse chatResponse(ChatRequest request, ByteBuf body);

    /** A fresh translator for one streamed answer. */
    StreamTranslator streamTranslator(ChatRequest request);

    /** Maps a vendor error answer (any non-2xx, or a 2xx the vendor uses for errors) to SPEC §4. */
    GatewayError error(int status, HttpHeaders headers, ByteBuf body);

    /**
     * Whether the vendor fetches this media URL itself. When it does not, the proxy fetches the URL
     * (SSRF-checked, size- and time-bounded) and hands the adapter inline data instead.
     */
    default boolean acceptsMediaUrl(String url) {
        return true;
    }

    /**
     * Whether the vendor answers {@code n > 1} choices in one call (OpenAI {@code n}, Gemini
     * {@code candidateCount}). When it does not, the proxy fans the request out into {@code n}
     * calls with {@code n} unset and merges their choices and usage (SPEC §3).
     */
    default boolean supportsN() {
        return true;
    }

    /** Whether the vendor has an embeddings API ({@link #embeddingsRequest} is implemented); routing reads it. */
    default boolean offersEmbeddings() {
        return false;
    }

    /** Builds an embeddings request; the default says the vendor has none. */
    default UpstreamRequest embeddingsRequest(EmbeddingsRequest request, Target target, ByteBufAllocator alloc) {
        throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", "model",
                "Provider type '" + type() + "' does not offer embeddings."));
    }

    default EmbeddingsResponse embeddingsResponse(EmbeddingsRequest request, ByteBuf body) {
        throw new IllegalStateException("no embeddings for " + type());
    }
}
