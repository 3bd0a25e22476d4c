package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;
import dev.junction.translators.openai.OpenAiRequest;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.Vendor;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * A vendor that already speaks OpenAI's wire format (OpenAI, Azure OpenAI, vLLM, Ollama, Groq,
 * ...). Requests and answers are carried as bytes; only the URL, the auth header, the model name
 * and the stream usage option change, and vendor errors are mapped to SPEC §4.
 */
public interface PassThroughVendor extends Vendor {

    /**
     * Requests from the OpenAI chat door are carried as bytes ({@link PassThroughTranslator}; the
     * door asks for it, {@link OpenAiRequest#passThrough}). Only a dialect that refuses or drops
     * members reads the unsupported policy; the others keep the route's target as it is. Other doors
     * reach the vendor through its {@link #adapter()}.
     */
    default Translator passThroughTranslator(OpenAiRequest request, Target target, String unsupportedPolicy) {
        Target t = dialect(target).usesUnsupportedPolicy() ? target.withDefaultOption("unsupported", unsupportedPolicy)
                : target;
        return new PassThroughTranslator(this, request, t);
    }

    /** The chat request for one attempt; the result's body is owned by the caller. */
    UpstreamRequest chatRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target, ByteBufAllocator alloc);

    /** The embeddings request for one attempt. */
    UpstreamRequest embeddingsRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target, ByteBufAllocator alloc);

    /**
     * The chat request for one attempt, reporting what the target's server dialect dropped in
     * {@code warnings} ({@link CompatDialect#requestEdits(ByteBuf, OpenAiRequestFacts, Target, Warnings)});
     * throws {@link dev.junction.translators.spi.TranslationException} for what it refuses.
     */
    default UpstreamRequest chatRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target,
                                        ByteBufAllocator alloc, Warnings warnings) {
        return chatRequest(clientBody, facts, target, alloc);
    }

    /** The embeddings request for one attempt, with the target's server dialect applied. */
    default UpstreamRequest embeddingsRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target,
                                              ByteBufAllocator alloc, Warnings warnings) {
        return embeddingsRequest(clientBody, facts, target, alloc);
    }

    GatewayError error(int status, HttpHeaders headers, ByteBuf body);

    /**
     * The error answer of an attempt on {@code target}, with the target's server dialect applied
     * ({@link CompatDialect#error}). {@code headers} and {@code body} may be null (an error chunk
     * inside a stream).
     */
    default GatewayError error(Target target, int status, HttpHeaders headers, ByteBuf body) {
        return error(status, headers, body);
    }

    /** The server dialect of {@code target} (wire-formats §6.1); generic unless configured. */
    default CompatDialect dialect(Target target) {
        return CompatDialects.GENERIC;
    }

    /**
     * The client's body for a successful unary chat answer ({@code answer} not consumed, result
     * owned by the caller): the vendor's bytes, unless the dialect overrides a finish reason.
     * Throws {@link dev.junction.translators.spi.TranslationException} when the answer is a failure
     * in disguise (a finish reason the dialect maps to an error).
     */
    default ByteBuf chatResponse(Target target, ByteBuf answer) {
        return FinishReasonRewriter.rewriteAnswer(answer, dialect(target));
    }
}
