package dev.junction.translators.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.passthrough.OpenAiBodyRewriter;
import dev.junction.translators.passthrough.OpenAiPassThrough;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import dev.junction.translators.stream.ResponsesPassThroughStreamProcessor;
import dev.junction.translators.stream.StreamProcessor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;
import io.netty.handler.codec.http.HttpHeaders;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * The Responses door to OpenAI itself ({@code type = openai}): the client's bytes go to the
 * vendor's {@code /responses} with only {@code model} replaced (a splice, DESIGN house rule 5), and
 * the answer and its event stream come back as the vendor's bytes
 * ({@link ResponsesPassThroughStreamProcessor}). Usage is read from the answer for accounting; the
 * final {@code response} object goes to {@code onResponse} (the gateway keeps it for
 * {@code store}). Errors map as every OpenAI error does ({@code OpenAiErrorMapper}).
 */
public final class ResponsesPassThrough implements Translator {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiPassThrough vendor;
    private final ByteBuf body;
    private final OpenAiRequestFacts facts;
    private final Target target;
    private final Consumer<JsonNode> onResponse;
    private Usage usage;

    /**
     * @param body       the client's body (or the body with history expanded), not owned
     * @param facts      its scan ({@code OpenAiRequestScanner.scanResponses})
     * @param onResponse receives the {@code response} object of a successful answer or complete stream
     */
    public ResponsesPassThrough(OpenAiPassThrough vendor, ByteBuf body, OpenAiRequestFacts facts, Target target,
                                Consumer<JsonNode> onResponse) {
        this.vendor = vendor;
        this.body = body;
        this.facts = facts;
        this.target = target;
        this.onResponse = onResponse;
    }

    @Override
    public int calls() {
        return 1;
    }

    @Override
    public UpstreamRequest request(ByteBufAllocator alloc, Warnings warnings) {
        ByteBuf out = OpenAiBodyRewriter.rewrite(body, facts, target.model(), false, alloc);
        return new UpstreamRequest("POST", vendor.path(target, "/responses"), vendor.headers(target), out, facts.stream());
    }

    @Override
    public ByteBuf answer(ByteBuf answer, ByteBufAllocator alloc) {
        JsonNode n;
        try {
            n = JSON.readTree((InputStream) new ByteBufInputStream(answer.duplicate(), false));
        } catch (IOException e) {
            throw new TranslationException(GatewayError.upstreamInvalidResponse(
                    "OpenAI sent a Responses answer that is not JSON: " + e.getMessage()));
        }
        if (n == null || !"response".equals(n.path("object").asText())) {
            throw new TranslationException(GatewayError.upstreamInvalidResponse(
                    "OpenAI sent a Responses answer that is not a response object."));
        }
        usage = ResponsesPassThroughStreamProcessor.usageOf(n.get("usage"));
        if ("failed".equals(n.path("status").asText())) {
            ByteBuf err = errorBody(n.path("error"));
            try {
                throw new TranslationException(vendor.error(target, 500, null, err));
            } finally {
                err.release();
            }
        }
        onResponse.accept(n);
        return answer.retainedDuplicate();
    }

    /** The {@code response.error.code} OpenAI's schema admits for a failed response ({@link ResponseObject}). */
    public static String responseErrorCode(GatewayError e) {
        return ResponseObject.responseErrorCode(e);
    }

    private static ByteBuf errorBody(JsonNode error) {
        com.fasterxml.jackson.databind.node.ObjectNode o = JSON.createObjectNode();
        o.putObject("error").put("message", error.path("message").asText("The response failed."))
                .put("type", "server_error").put("code", error.path("code").asText(null));
        return io.netty.buffer.Unpooled.wrappedBuffer(o.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    @Override
    public Usage usage() {
        return usage;
    }

    @Override
    public StreamProcessor streamProcessor() {
        return new ResponsesPassThroughStreamProcessor((status, b) -> vendor.error(target, status, null, b), onResponse);
    }

    @Override
    public GatewayError error(int status, HttpHeaders headers, ByteBuf answer) {
        return vendor.error(target, status, headers, answer);
    }
}
