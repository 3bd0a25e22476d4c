package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseDecoder;
import dev.junction.stream.StreamEvent;
import dev.junction.testkit.OpenAiSchema;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.EmbeddingsResponse;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.model.ToolChoice;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden scenarios of {@code golden/gemini/}: canonical request → {@code vendor-request.json},
 * {@code vendor-response.json} → {@code openai-response.json}, {@code vendor-stream.txt} (fed through
 * the real SSE decoder at every chunk size) → {@code expected-events.json}, {@code vendor-error.json}
 * + {@code status} → {@code openai-error.json} + {@code gateway-error.json}. The canonical requests
 * here mirror each scenario's {@code openai-request.json}.
 */
class GeminiGoldenTest {

    static final Target TARGET = new Target("gemini", "gemini", "https://generativelanguage.googleapis.com",
            "gemini-2.5-flash", "AIzaTestKey", Map.of(), Map.of());

    static Supplier<String> ids() {
        AtomicInteger n = new AtomicInteger();
        return () -> "call_" + n.incrementAndGet();
    }

    static GeminiAdapter adapter() {
        return new GeminiAdapter(ids());
    }

    static Tool weatherTool() {
        return new Tool("get_weather", "Current weather", Golden.parse(
                "{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}"
                        .getBytes(StandardCharsets.UTF_8)), null);
    }

    /** The canonical form of each scenario's openai-request.json. */
    static ChatRequest request(String scenario) {
        switch (scenario) {
            case "plain-text":
                return Req.of().user("Say hi.").build();
            case "multi-turn-system": {
                Req r = Req.of().system("You are terse.").developer("Answer in English.").user("Capital of France?")
                        .assistant("Paris.").user("And of Italy?").user("One word.");
                r.temperature = 0.0;
                r.topP = 0.9;
                return r.build();
            }
            case "parallel-tool-calls-stream": {
                Req r = Req.of().user("Weather in Paris and Rome?");
                r.stream = true;
                r.includeUsage = true;
                r.tools = List.of(weatherTool());
                r.toolChoice = new ToolChoice.Auto();
                return r.build();
            }
            case "tool-results-round-trip":
                return Req.of().user("Weather in Paris and Rome?")
                        .assistantCalls(new ToolCall("call_a", "get_weather", "{\"city\":\"Paris\"}"),
                                new ToolCall("call_b", "get_time", "{\"city\":\"Rome\"}"))
                        .tool("call_a", "18C").tool("call_b", "{\"time\":\"12:00\"}").user("Summarise.").build();
            case "no-argument-tool": {
                Req r = Req.of().user("What time is it?");
                r.messages.add(new dev.junction.translators.model.Message.Assistant(
                        List.of(new ContentPart.Text("")), List.of(new ToolCall("call_t", "now", "")), null, null));
                r.tool("call_t", "12:00");
                r.stream = true;
                r.tools = List.of(new Tool("now", null, null, null));
                r.toolChoice = new ToolChoice.Required();
                return r.build();
            }
            case "thought-signature-round-trip":
                return Req.of().user("Weather in Paris and Rome?")
                        .assistantCalls(new ToolCall("call_1__thought__EqUCAb-_9x", "get_weather", "{\"city\":\"Paris\"}"),
                                new ToolCall("call_2", "get_weather", "{\"city\":\"Rome\"}"))
                        .tool("call_1__thought__EqUCAb-_9x", "18C").tool("call_2", "21C").build();
            case "json-schema": {
                Req r = Req.of().user("Name a city.");
                r.responseFormat = new ResponseFormat.JsonSchema("city", null, Golden.json("json-schema",
                        "openai-request.json").at("/response_format/json_schema/schema"), true);
                return r.build();
            }
            case "stop-max-tokens": {
                Req r = Req.of().user("Count.");
                r.stop = List.of("END", "\n\n");
                r.maxTokens = 5;
                r.maxTokensField = "max_completion_tokens";
                r.n = 2;
                r.seed = 42L;
                r.presencePenalty = 0.5;
                r.frequencyPenalty = -0.5;
                return r.build();
            }
            case "thinking": {
                Req r = Req.of().user("Why is the sky blue?");
                r.reasoningEffort = "medium";
                return r.build();
            }
            default:
                throw new IllegalArgumentException(scenario);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain-text", "multi-turn-system", "parallel-tool-calls-stream", "tool-results-round-trip",
            "no-argument-tool", "thought-signature-round-trip", "json-schema", "stop-max-tokens", "thinking"})
    void requestTranslation(String scenario) {
        ChatRequest req = request(scenario);
        Warnings warnings = new Warnings();
        UpstreamRequest up = adapter().chatRequest(req, TARGET, ByteBufAllocator.DEFAULT, warnings);
        try {
            Golden.assertJson(Golden.json(scenario, "vendor-request.json"), Golden.parse(up.body()));
            assertEquals("POST", up.method());
            assertEquals(req.stream() ? "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
                    : "/v1beta/models/gemini-2.5-flash:generateContent", up.path());
            assertEquals(req.stream(), up.stream());
            assertTrue(up.headers().contains(Map.entry("x-goog-api-key", "AIzaTestKey")));
            assertTrue(warnings.isEmpty(), warnings.list().toString());
            // the OpenAI request of the scenario names the same fields the canonical request carries
            assertEquals(req.stream(), Golden.json(scenario, "openai-request.json").path("stream").asBoolean(false));
        } finally {
            up.body().release();
        }
    }

    /** Media from data URLs travels as slices of the client's body: no base64 string is built. */
    @org.junit.jupiter.api.Test
    void imageByDataUrlIsSlicedFromTheRequestBody() {
        byte[] raw = Golden.bytes("image-data-url", "openai-request.json");
        ByteBuf clientBody = Unpooled.wrappedBuffer(raw);
        String text = new String(raw, StandardCharsets.US_ASCII);
        try {
            ByteSpan png = span(clientBody, text, "iVBORw0KGgo=");
            ByteSpan wav = span(clientBody, text, "UklGRg==");
            ByteSpan pdf = span(clientBody, text, "JVBERi0x");
            ChatRequest req = Req.of().user(new ContentPart.Text("What is in these?"),
                    new ContentPart.Image(new MediaSource.Inline("image/png", png), "auto"),
                    new ContentPart.Audio(new MediaSource.Inline(null, wav), "wav"),
                    new ContentPart.File(new MediaSource.Inline("application/pdf", pdf), "a.pdf"),
                    new ContentPart.Image(new MediaSource.Url(
                            "https://generativelanguage.googleapis.com/v1beta/files/abc123"), null)).build();
            UpstreamRequest up = adapter().chatRequest(req, TARGET, ByteBufAllocator.DEFAULT, new Warnings());
            try {
                Golden.assertJson(Golden.json("image-data-url", "vendor-request.json"), Golden.parse(up.body()));
                // Overwrite the client's bytes: a slice sees the change, a copy would not.
                clientBody.setByte(png.offset(), 'X');
                assertTrue(up.body().toString(StandardCharsets.US_ASCII).contains("\"XVBORw0KGgo=\""));
            } finally {
                up.body().release();
            }
            assertEquals(1, clientBody.refCnt(), "slices released with the vendor body");
        } finally {
            clientBody.release();
        }
    }

    static ByteSpan span(ByteBuf body, String text, String needle) {
        return new ByteSpan(body, text.indexOf(needle), needle.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"plain-text", "tool-results-round-trip", "no-argument-tool", "thought-signature-round-trip",
            "json-schema", "stop-max-tokens", "safety-stop", "thinking"})
    void responseTranslation(String scenario) {
        ByteBuf body = Unpooled.wrappedBuffer(Golden.bytes(scenario, "vendor-response.json"));
        try {
            ChatResponse r = adapter().chatResponse(request("plain-text"), body);
            JsonNode rendered = Golden.completion(r);
            Golden.assertJson(Golden.json(scenario, "openai-response.json"), rendered);
            OpenAiSchema.assertValid("CreateChatCompletionResponse", rendered);
            assertEquals(0, body.readerIndex(), "the caller's body is not consumed");
        } finally {
            body.release();
        }
    }

    @org.junit.jupiter.api.Test
    void promptBlockedIsAContentFilterError() {
        ByteBuf body = Unpooled.wrappedBuffer(Golden.bytes("prompt-blocked", "vendor-response.json"));
        try {
            TranslationException e = assertThrows(TranslationException.class,
                    () -> adapter().chatResponse(request("plain-text"), body));
            Golden.assertJson(Golden.json("prompt-blocked", "openai-error.json"), Golden.errorBody(e.error()));
            assertEquals(Integer.parseInt(Golden.text("prompt-blocked", "status").trim()), e.error().status());
            assertEquals(false, e.error().retryable());
            assertEquals(false, e.error().failover());
        } finally {
            body.release();
        }
    }

    static final int[] CHUNK_SIZES = {1, 2, 3, 5, 7, 13, 64, Integer.MAX_VALUE};

    @ParameterizedTest
    @ValueSource(strings = {"plain-text", "parallel-tool-calls-stream", "no-argument-tool", "safety-stop",
            "prompt-blocked", "thinking", "stream-interrupted", "stream-error"})
    void streamTranslationAtEveryChunkSize(String scenario) {
        byte[] stream = Golden.bytes(scenario, "vendor-stream.txt");
        JsonNode expected = Golden.json(scenario, "expected-events.json");
        for (int size : CHUNK_SIZES) {
            List<StreamEvent> events = feed(adapter().streamTranslator(request("plain-text")), stream, size);
            Golden.assertJson(expected, Golden.events(events));
        }
    }

    /** Feeds {@code stream} through the SSE decoder {@code size} bytes at a time, then ends it. */
    static List<StreamEvent> feed(StreamTranslator translator, byte[] stream, int size) {
        List<StreamEvent> events = new ArrayList<>();
        try (SseDecoder decoder = new SseDecoder(e -> translator.onEvent(e, events::add), 1 << 20)) {
            for (int at = 0; at < stream.length; at += Math.min(size, stream.length - at)) {
                ByteBuf chunk = Unpooled.copiedBuffer(stream, at, Math.min(size, stream.length - at));
                try {
                    decoder.feed(chunk);
                } finally {
                    chunk.release();
                }
            }
        }
        translator.onEnd(events::add);
        return events;
    }

    @ParameterizedTest
    @ValueSource(strings = {"error-api-key-invalid", "error-bad-request", "error-context-length",
            "error-failed-precondition", "error-prepay-402", "error-permission-403", "error-not-found-404",
            "error-rate-limit-per-minute", "error-quota-per-day", "error-limit-zero", "error-internal-500",
            "error-unavailable-503", "error-timeout-504"})
    void errorTranslation(String scenario) {
        int status = Integer.parseInt(Golden.text(scenario, "status").trim());
        ByteBuf body = Unpooled.wrappedBuffer(Golden.bytes(scenario, "vendor-error.json"));
        try {
            GatewayError e = adapter().error(status, new DefaultHttpHeaders(), body);
            Golden.assertJson(Golden.json(scenario, "openai-error.json"), Golden.errorBody(e));
            OpenAiSchema.assertValid("ErrorResponse", Golden.errorBody(e));
            JsonNode g = Golden.json(scenario, "gateway-error.json");
            assertEquals(g.get("status").asInt(), e.status());
            assertEquals(g.get("retryable").asBoolean(), e.retryable(), "retryable");
            assertEquals(g.get("failover").asBoolean(), e.failover(), "failover");
            assertEquals(g.get("clientRetryable").asBoolean(), e.clientRetryable(), "clientRetryable");
            assertEquals(g.get("retryAfterMillis").isNull() ? null : g.get("retryAfterMillis").asLong(),
                    e.retryAfter() == null ? null : e.retryAfter().toMillis());
            assertTrue(!e.message().contains("AIza"), "no key in the message");
        } finally {
            body.release();
        }
    }

    @org.junit.jupiter.api.Test
    void embeddings() {
        EmbeddingsRequest req = new EmbeddingsRequest("embed", List.of("hello", "wörld!"), null, 3, false, null);
        Target target = new Target("gemini", "gemini", "https://generativelanguage.googleapis.com",
                "gemini-embedding-001", "AIzaTestKey", Map.of(), Map.of());
        UpstreamRequest up = adapter().embeddingsRequest(req, target, ByteBufAllocator.DEFAULT);
        try {
            assertEquals("/v1beta/models/gemini-embedding-001:batchEmbedContents", up.path());
            Golden.assertJson(Golden.json("embeddings", "vendor-request.json"), Golden.parse(up.body()));
        } finally {
            up.body().release();
        }
        ByteBuf body = Unpooled.wrappedBuffer(Golden.bytes("embeddings", "vendor-response.json"));
        try {
            EmbeddingsResponse r = adapter().embeddingsResponse(req, body);
            JsonNode expected = Golden.json("embeddings", "openai-response.json");
            assertEquals(2, r.vectors().size());
            for (int i = 0; i < 2; i++) {
                JsonNode want = expected.at("/data/" + i + "/embedding");
                assertEquals(want.size(), r.vectors().get(i).length);
                for (int j = 0; j < want.size(); j++) {
                    assertEquals((float) want.get(j).asDouble(), r.vectors().get(i)[j]);
                }
            }
            assertEquals(expected.at("/usage/prompt_tokens").asLong(), r.usage().promptTokens());
            assertEquals(expected.at("/usage/total_tokens").asLong(), r.usage().totalTokens());
        } finally {
            body.release();
        }
    }
}
