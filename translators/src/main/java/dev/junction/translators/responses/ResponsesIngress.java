package dev.junction.translators.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.stream.StreamEncoder;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.ingress.ErrorShape;
import dev.junction.translators.ingress.IngressRequest;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.passthrough.OpenAiPassThrough;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.Translator;
import dev.junction.translators.spi.Vendor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.Consumer;

/**
 * The OpenAI Responses door ({@code POST /v1/responses}, SPEC §3.1): the client's body decoded by
 * {@link ResponsesRequestDecoder}, canonical answers rendered by {@link ResponsesResponseEncoder},
 * canonical streams by {@link ResponsesStreamEncoder}, failures in OpenAI's error shape. A vendor of
 * type {@code openai} gets the client's bytes ({@link ResponsesPassThrough}); every other vendor
 * the canonical path. Whatever path served it, the final {@code response} object of a successful
 * answer or complete stream goes to {@code onResponse} (the gateway keeps it for {@code store}).
 */
public final class ResponsesIngress extends IngressRequest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final OpenAiRequestFacts facts;
    private final JsonLimits limits;
    private final Consumer<JsonNode> onResponse;
    private ResponsesRequest decoded;

    /**
     * @param body       the client's body, or the body with {@code previous_response_id} expanded (not owned)
     * @param facts      the body's scan ({@code OpenAiRequestScanner.scanResponses})
     * @param responseId Junction's {@code resp_…} id for a translated answer
     * @param onResponse receives the final {@code response} object of a successful answer
     */
    public ResponsesIngress(ByteBuf body, OpenAiRequestFacts facts, JsonLimits limits, String responseId, long created,
                            Consumer<JsonNode> onResponse) {
        this(body, facts, limits, responseId, created, onResponse, null);
    }

    /** As above, with {@code body} already decoded ({@code decoded}, or null to decode on first use). */
    public ResponsesIngress(ByteBuf body, OpenAiRequestFacts facts, JsonLimits limits, String responseId, long created,
                            Consumer<JsonNode> onResponse, ResponsesRequest decoded) {
        super(body, responseId, created);
        this.facts = facts;
        this.limits = limits;
        this.onResponse = onResponse;
        this.decoded = decoded;
    }

    @Override
    public String door() {
        return "responses";
    }

    @Override
    public boolean stream() {
        return facts.stream();
    }

    /** The decoded Responses request (decoding it on first use); throws {@code TranslationException}. */
    public ResponsesRequest responses() {
        if (decoded == null) {
            decoded = ResponsesRequestDecoder.decode(body(), limits);
        }
        return decoded;
    }

    @Override
    protected ChatRequest decode() {
        return responses().chat();
    }

    @Override
    public ByteBuf encodeAnswer(ChatResponse answer, String model, ByteBufAllocator alloc) {
        ByteBuf out = ResponsesResponseEncoder.encode(answer, responses(), responseId(), created(), alloc);
        try {
            onResponse.accept(JSON.readTree((InputStream) new ByteBufInputStream(out.duplicate(), false)));
        } catch (IOException e) {
            out.release();
            throw new IllegalStateException("Junction wrote a response it cannot read", e);
        }
        return out;
    }

    @Override
    public StreamEncoder streamEncoder(String model) {
        ResponsesStreamEncoder encoder = new ResponsesStreamEncoder(responses(), responseId(), created());
        return new StreamEncoder() {
            @Override
            public void write(StreamEvent event, ByteBufAllocator alloc, List<ByteBuf> out) {
                encoder.write(event, alloc, out);
            }

            @Override
            public void finish(ByteBufAllocator alloc, List<ByteBuf> out) {
                int from = out.size();
                encoder.finish(alloc, out);
                // The frame before [DONE] is response.completed / response.incomplete with the whole response.
                if (out.size() - from >= 2) {
                    JsonNode terminal = eventJson(out.get(out.size() - 2));
                    if (terminal != null && terminal.has("response")) {
                        onResponse.accept(terminal.get("response"));
                    }
                }
            }

            @Override
            public void fail(GatewayError error, ByteBufAllocator alloc, List<ByteBuf> out) {
                encoder.fail(error, alloc, out);
            }
        };
    }

    /** The JSON of one {@code event: …\ndata: …\n\n} frame, or null. */
    private static JsonNode eventJson(ByteBuf frame) {
        String text = frame.toString(StandardCharsets.UTF_8);
        int at = text.indexOf("data: ");
        if (at < 0) {
            return null;
        }
        try {
            return JSON.readTree(text.substring(at + 6).trim());
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public ErrorShape errors() {
        return ErrorShape.OPENAI;
    }

    /** OpenAI itself speaks this door's shape: its bytes are carried (SPEC §3.1). */
    @Override
    public Translator passThrough(Vendor vendor, Target target, String unsupportedPolicy) {
        if ("openai".equals(vendor.type()) && vendor instanceof OpenAiPassThrough openAi) {
            return new ResponsesPassThrough(openAi, body(), facts, target, onResponse);
        }
        return null;
    }
}
