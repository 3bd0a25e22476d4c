package dev.junction.translators.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.passthrough.OpenAiBodyRewriter;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import dev.junction.translators.stream.ForwardingStreamProcessor;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Anthropic Messages door to an Anthropic deployment: the client's bytes go up with only
 * {@code model} replaced by the deployment's model (a splice, not a re-serialisation), with the
 * client's {@code anthropic-version} (Junction's default when it sent none) and
 * {@code anthropic-beta}; Anthropic's answer and event stream come back as its bytes. The stream is
 * judged through {@link AnthropicStreamTranslator} (commit point, usage, a cut or an
 * {@code event: error}); vendor errors are mapped to SPEC §4 by {@link AnthropicErrors} and
 * rendered in the door's shape by the proxy. Also carries {@code count_tokens} bodies.
 */
public final class AnthropicPassThrough implements Translator {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final AnthropicAdapter vendor;
    private final ByteBuf body;
    private final OpenAiRequestFacts facts;
    private final String path;
    private final String version;
    private final String beta;
    private final ErrorShape errors;
    private final Target target;
    private Usage usage;

    /**
     * @param body    the client's body (not owned)
     * @param facts   where its {@code model} sits, and whether it streams
     * @param path    {@code /v1/messages} or {@code /v1/messages/count_tokens}
     * @param version the client's {@code anthropic-version}, or null
     * @param beta    the client's {@code anthropic-beta}, or null
     */
    public AnthropicPassThrough(AnthropicAdapter vendor, ByteBuf body, OpenAiRequestFacts facts, String path,
                                String version, String beta, ErrorShape errors, Target target) {
        this.vendor = vendor;
        this.body = body;
        this.facts = facts;
        this.path = path;
        this.version = version;
        this.beta = beta;
        this.errors = errors;
        this.target = target;
    }

    @Override
    public int calls() {
        return 1;
    }

    @Override
    public UpstreamRequest request(ByteBufAllocator alloc, Warnings warnings) {
        List<Map.Entry<String, String>> headers = new ArrayList<>(5 + target.headers().size());
        headers.add(Map.entry("x-api-key", target.apiKey() == null ? "" : target.apiKey()));
        headers.add(Map.entry("anthropic-version", version == null || version.isBlank()
                ? AnthropicRequestWriter.VERSION : version));
        if (beta != null && !beta.isBlank()) {
            headers.add(Map.entry("anthropic-beta", beta));
        }
        headers.add(Map.entry("content-type", "application/json"));
        target.headers().forEach((k, v) -> headers.add(Map.entry(k, v)));
        ByteBuf up = OpenAiBodyRewriter.rewrite(body, facts, target.model(), false, alloc);
        return new UpstreamRequest("POST", path, headers, up, facts.stream());
    }

    @Override
    public ByteBuf answer(ByteBuf answer, ByteBufAllocator alloc) {
        usage = usageOf(answer);
        return answer.retainedDuplicate();
    }

    /** The usage of a {@code Message} answer for accounting; null for another answer (count_tokens). */
    private static Usage usageOf(ByteBuf answer) {
        try {
            JsonNode n = MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(answer.duplicate(), false));
            JsonNode u = n == null ? null : n.get("usage");
            return u == null || !u.isObject() ? null : AnthropicUsage.of(u).toOpenAi();
        } catch (IOException e) {
            return null; // carried as it came; the client parses it
        }
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public StreamProcessor streamProcessor() {
        return new ForwardingStreamProcessor(new AnthropicStreamTranslator(false), errors);
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf body) {
        return vendor.error(status, headers, body);
    }
}
