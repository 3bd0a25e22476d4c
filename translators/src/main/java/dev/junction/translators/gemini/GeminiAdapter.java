package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VendorAdapter;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * The Google Gemini API ({@code generativelanguage.googleapis.com}, wire-formats §3) behind
 * Junction's OpenAI API. Provider base URL is the host root (SPEC §2:
 * {@code https://generativelanguage.googleapis.com}); paths are {@code /v1beta/models/...}.
 * Request translation: {@link GeminiRequestWriter} and {@link GeminiParameters}; answers:
 * {@link GeminiResponses}; streams: {@link GeminiStreamTranslator}; errors: {@link GeminiErrors};
 * embeddings: {@link GeminiEmbeddings}. Stateless and thread-safe.
 *
 * <p>Provider options ({@link Target#option}): {@code unsupported = drop} drops unsupported
 * fields with a warning instead of rejecting them; {@code thinking = level} sends
 * {@code thinkingLevel} (Gemini 3) instead of {@code thinkingBudget}.
 */
public final class GeminiAdapter implements VendorAdapter {

    public static final String TYPE = "gemini";

    private static final char[] ALPHANUM =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private final Supplier<String> toolCallIds;

    public GeminiAdapter() {
        this(GeminiAdapter::randomCallId);
    }

    /** {@code toolCallIds} supplies the base ids of function calls (Gemini sends none: §3.4). */
    public GeminiAdapter(Supplier<String> toolCallIds) {
        this.toolCallIds = toolCallIds;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public UpstreamRequest chatRequest(ChatRequest request, Target target, ByteBufAllocator alloc, Warnings warnings) {
        // The path first: once the body exists, nothing may throw before it is handed over.
        String path = "/v1beta/models/" + modelPath(target.model())
                + (request.stream() ? ":streamGenerateContent?alt=sse" : ":generateContent");
        ByteBuf body = GeminiRequestWriter.write(new GeminiParameters.Context(request, target, warnings), alloc);
        return new UpstreamRequest("POST", path, headers(target), body, request.stream());
    }

    @Override
    public ChatResponse chatResponse(ChatRequest request, ByteBuf body) {
        GeminiEvent event = GeminiEvents.parse(body);
        if (event instanceof GeminiEvent.Failure f) {
            throw new TranslationException(GeminiErrors.map(f));
        }
        return GeminiResponses.chatResponse((GeminiEvent.Chunk) event, toolCallIds);
    }

    @Override
    public StreamTranslator streamTranslator(ChatRequest request) {
        return new GeminiStreamTranslator(request.choices(), toolCallIds);
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        JsonNode root = null;
        if (body != null && body.isReadable()) {
            try {
                root = GeminiEvents.readTree(body);
            } catch (TranslationException notJson) {
                root = null;
            }
        }
        return GeminiErrors.map(status, root, headers);
    }

    @Override
    public boolean offersEmbeddings() {
        return true;
    }

    @Override
    public UpstreamRequest embeddingsRequest(EmbeddingsRequest request, Target target, ByteBufAllocator alloc) {
        String model = modelPath(target.model());
        ByteBuf body = GeminiEmbeddings.body(request, model, alloc);
        return new UpstreamRequest("POST", "/v1beta/models/" + model + ":batchEmbedContents", headers(target),
                body, false);
    }

    @Override
    public EmbeddingsResponse embeddingsResponse(EmbeddingsRequest request, ByteBuf body) {
        JsonNode root = GeminiEvents.readTree(body);
        if (root.path("error").isObject()) {
            throw new TranslationException(GeminiErrors.map(200, root, null));
        }
        return GeminiEmbeddings.response(request, root);
    }

    /** The model as it appears after {@code models/}; a configured {@code models/} prefix is tolerated. */
    static String modelPath(String model) {
        String m = model.startsWith("models/") ? model.substring("models/".length()) : model;
        for (int i = 0; i < m.length(); i++) {
            char c = m.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_';
            if (!ok) {
                throw new TranslationException(GatewayError.internal(
                        "The configured Gemini model name '" + m + "' contains characters not allowed in a model id."));
            }
        }
        return m;
    }

    static List<Map.Entry<String, String>> headers(Target target) {
        List<Map.Entry<String, String>> h = new ArrayList<>(3 + target.headers().size());
        h.add(Map.entry("content-type", "application/json"));
        if (target.apiKey() != null && !target.apiKey().isEmpty()) {
            h.add(Map.entry("x-goog-api-key", target.apiKey()));
        }
        h.addAll(target.headers().entrySet());
        return h;
    }

    private static String randomCallId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        char[] id = new char[24];
        for (int i = 0; i < id.length; i++) {
            id[i] = ALPHANUM[r.nextInt(ALPHANUM.length)];
        }
        return "call_" + new String(id);
    }

    @Override
    public boolean acceptsMediaUrl(String url) {
        return GeminiRequestWriter.takesUrl(url);
    }
}
