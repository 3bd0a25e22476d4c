package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.UpstreamRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * A vendor that already speaks OpenAI's wire format (OpenAI, Azure OpenAI, vLLM, Ollama, Groq,
 * ...). Requests and answers are carried as bytes; only the URL, the auth header, the model name
 * and the stream usage option change, and vendor errors are mapped to SPEC §4.
 */
public interface PassThroughVendor {

    String type();

    /** The chat request for one attempt; the result's body is owned by the caller. */
    UpstreamRequest chatRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target, ByteBufAllocator alloc);

    /** The embeddings request for one attempt. */
    UpstreamRequest embeddingsRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target, ByteBufAllocator alloc);

    GatewayError error(int status, HttpHeaders headers, ByteBuf body);
}
