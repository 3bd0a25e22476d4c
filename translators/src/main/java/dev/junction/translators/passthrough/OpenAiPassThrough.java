package dev.junction.translators.passthrough;

import dev.junction.stream.GatewayError;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * OpenAI itself ({@code type = openai}), any OpenAI-compatible server ({@code openai-compatible})
 * and Azure OpenAI ({@code azure-openai}). The three differ only in URL and auth header
 * (wire-formats §1.1, §6.2), listed here rather than branched on in shared code.
 *
 * <p>Provider options: {@code stream-usage = false} for servers that reject {@code stream_options}
 * (wire-formats §6.1); {@code api-version} for Azure (default {@code 2024-10-21}); Azure's
 * {@code base-url} is the resource URL and the deployment's model is the Azure deployment name;
 * {@code dialect} for an OpenAI-compatible server's quirks ({@link CompatDialects}).
 */
public final class OpenAiPassThrough implements PassThroughVendor {

    public enum Flavor { OPENAI, COMPATIBLE, AZURE }

    private final String type;
    private final Flavor flavor;

    public OpenAiPassThrough(String type, Flavor flavor) {
        this.type = type;
        this.flavor = flavor;
    }

    @Override
    public String type() {
        return type;
    }

    /**
     * Doors other than OpenAI chat (Anthropic Messages, ...) reach this vendor through the canonical
     * model and its chat completions adapter ({@link dev.junction.translators.openaichat.OpenAiChatAdapter}).
     */
    @Override
    public dev.junction.translators.spi.VendorAdapter adapter() {
        return dev.junction.translators.VendorRegistry.canonicalAdapter(type);
    }

    /** As the five-argument form; what a dialect drops is not reported (callers without a response). */
    @Override
    public UpstreamRequest chatRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target, ByteBufAllocator alloc) {
        return chatRequest(clientBody, facts, target, alloc, new Warnings());
    }

    @Override
    public UpstreamRequest chatRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target, ByteBufAllocator alloc,
                                       Warnings warnings) {
        boolean usage = !"false".equalsIgnoreCase(target.option("stream-usage"));
        ByteBuf body = OpenAiBodyRewriter.rewrite(clientBody, facts, target.model(), usage,
                dialect(target).requestEdits(clientBody, facts, target, warnings), alloc);
        return new UpstreamRequest("POST", path(target, "/chat/completions"), headers(target), body, facts.stream());
    }

    @Override
    public UpstreamRequest embeddingsRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target, ByteBufAllocator alloc) {
        return embeddingsRequest(clientBody, facts, target, alloc, new Warnings());
    }

    @Override
    public UpstreamRequest embeddingsRequest(ByteBuf clientBody, OpenAiRequestFacts facts, Target target,
                                             ByteBufAllocator alloc, Warnings warnings) {
        ByteBuf body = OpenAiBodyRewriter.rewrite(clientBody, facts, target.model(), false,
                dialect(target).embeddingsEdits(clientBody, target, warnings), alloc);
        return new UpstreamRequest("POST", path(target, "/embeddings"), headers(target), body, false);
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        return OpenAiErrorMapper.map(status, headers, body);
    }

    @Override
    public GatewayError error(Target target, int status, HttpHeaders headers, ByteBuf body) {
        return dialect(target).error(status, headers, body, OpenAiErrorMapper.map(status, headers, body));
    }

    /** Only {@code openai-compatible} servers have dialects; OpenAI and Azure are the reference. */
    @Override
    public CompatDialect dialect(Target target) {
        return flavor == Flavor.COMPATIBLE ? CompatDialects.of(target.option(CompatDialects.OPTION)) : CompatDialects.GENERIC;
    }

    /** The request path of {@code operation} (e.g. {@code /chat/completions}) on {@code target}: Azure's deployment URL, else as given. */
    public String path(Target target, String operation) {
        if (flavor == Flavor.AZURE) {
            String version = target.option("api-version") != null ? target.option("api-version") : "2024-10-21";
            return "/openai/deployments/" + URLEncoder.encode(target.model(), StandardCharsets.UTF_8) + operation
                    + "?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
        }
        return operation;
    }

    /** The auth header of this flavor and the provider's configured headers. */
    public List<Map.Entry<String, String>> headers(Target target) {
        List<Map.Entry<String, String>> h = new ArrayList<>(2 + target.headers().size());
        if (target.apiKey() != null && !target.apiKey().isEmpty()) {
            h.add(flavor == Flavor.AZURE ? Map.entry("api-key", target.apiKey())
                    : Map.entry("authorization", "Bearer " + target.apiKey()));
        }
        target.headers().forEach((k, v) -> h.add(Map.entry(k, v)));
        return h;
    }
}
