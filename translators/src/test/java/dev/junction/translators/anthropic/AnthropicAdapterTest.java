package dev.junction.translators.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicAdapterTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    private final AnthropicAdapter adapter = new AnthropicAdapter(CLOCK);

    private static Target target(Map<String, String> options) {
        return new Target("anthropic-main", "anthropic", "https://api.anthropic.com", "claude-x", "sk-ant-secret",
                Map.of(), options);
    }

    private static ByteBuf buf(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return PooledByteBufAllocator.DEFAULT.directBuffer(b.length).writeBytes(b);
    }

    /** Decodes, translates and returns the vendor body as a tree (all buffers released). */
    private JsonNode translate(String openAi, Map<String, String> options, Warnings warnings) throws Exception {
        ByteBuf body = buf(openAi);
        try {
            ChatRequest r = OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
            UpstreamRequest up = adapter.chatRequest(r, target(options), PooledByteBufAllocator.DEFAULT, warnings);
            try {
                return JSON.readTree(up.body().toString(StandardCharsets.UTF_8));
            } finally {
                up.body().release();
            }
        } finally {
            body.release();
        }
    }

    private GatewayError refusal(String openAi, Map<String, String> options) {
        return assertThrows(TranslationException.class, () -> translate(openAi, options, new Warnings())).error();
    }

    @Test
    void base64ImageBytesAreASliceOfTheClientBodyNotACopy() throws Exception {
        char[] data = new char[1 << 20];
        Arrays.fill(data, 'Q');
        ByteBuf body = buf("{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/webp;base64," + new String(data) + "\"}}]}]}");
        ChatRequest r = OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
        UpstreamRequest up = adapter.chatRequest(r, target(Map.of()), PooledByteBufAllocator.DEFAULT, new Warnings());
        try {
            CompositeByteBuf composite = assertInstanceOf(CompositeByteBuf.class, up.body());
            boolean shared = false;
            for (int i = 0; i < composite.numComponents(); i++) {
                ByteBuf c = composite.internalComponent(i);
                if (c.readableBytes() == data.length && c.memoryAddress() >= body.memoryAddress()
                        && c.memoryAddress() < body.memoryAddress() + body.capacity()) {
                    shared = true;
                }
            }
            assertTrue(shared, "the base64 bytes must be a component sharing the request body's memory");
            assertEquals(2, body.refCnt(), "the slice holds a reference on the request body");
            body.release();
            JsonNode tree = JSON.readTree(up.body().toString(StandardCharsets.UTF_8));
            assertEquals(data.length, tree.at("/messages/0/content/0/source/data").asText().length(),
                    "the vendor body stays valid after the client's body is released");
            assertEquals("image/webp", tree.at("/messages/0/content/0/source/media_type").asText());
        } finally {
            up.body().release();
        }
        assertEquals(0, body.refCnt());
    }

    @Test
    void requestRefusalsNameTheParameter() {
        String base = "\"model\":\"m\",\"max_tokens\":3000,";
        assertEquals("messages[0].content[0]", refusal("{" + base + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":"
                + "\"input_audio\",\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"wav\"}}]}]}", Map.of()).param());
        GatewayError bmp = refusal("{" + base + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/bmp;base64,Qk0=\"}}]}]}", Map.of());
        assertEquals("invalid_value", bmp.code());
        assertEquals("messages[0].content[0].image_url.url", bmp.param());
        GatewayError args = refusal("{" + base + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"},{\"role\":\"assistant\","
                + "\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"[1\"}}]}]}", Map.of());
        assertEquals("messages[1].tool_calls[0].function.arguments", args.param());
        GatewayError toolsAndJson = refusal("{" + base + "\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"response_format\":{\"type\":\"json_object\"}}",
                Map.of());
        assertEquals("unsupported_capability", toolsAndJson.code());
        assertEquals("response_format", toolsAndJson.param());
        GatewayError name = refusal("{" + base + "\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":\"ann\"}]}", Map.of());
        assertEquals("messages[0].name", name.param());
        GatewayError onlySystem = refusal("{" + base + "\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}", Map.of());
        assertEquals("messages", onlySystem.param());
    }

    @Test
    void nativeSchemaAllowsToolsAndEffortModeUsesOutputConfig() throws Exception {
        Warnings w = new Warnings();
        JsonNode body = translate("{\"model\":\"m\",\"max_tokens\":3000,\"reasoning_effort\":\"minimal\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"x\"},{\"role\":\"system\",\"content\":\"late\"},{\"role\":\"user\",\"content\":\"y\",\"name\":\"ann\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],\"parallel_tool_calls\":false,"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"s\",\"schema\":{\"type\":\"object\"}}}}",
                Map.of("json-schema", "native", "reasoning", "effort", "unsupported", "drop"), w);
        assertEquals(JSON.readTree("{\"effort\":\"low\",\"format\":{\"type\":\"json_schema\",\"schema\":{\"type\":\"object\"}}}"),
                body.get("output_config"));
        assertFalse(body.has("thinking"));
        assertEquals(JSON.readTree("{\"type\":\"auto\",\"disable_parallel_tool_use\":true}"), body.get("tool_choice"));
        assertEquals("late", body.at("/system/0/text").asText());
        assertEquals(2, body.at("/messages/0/content").size(), "the two user turns around the system message merge");
        assertEquals(List.of("the system message at messages[1] was moved into Anthropic's top-level system prompt",
                "dropped 'messages[2].name': not supported by Anthropic"), w.list());
    }

    private static SseEvent sse(String json) {
        return new SseEvent(null, buf(json), null, null);
    }

    private static List<StreamEvent> run(StreamTranslator t, String... events) {
        List<StreamEvent> out = new ArrayList<>();
        for (String e : events) {
            SseEvent ev = sse(e);
            try {
                t.onEvent(ev, out::add);
            } finally {
                ev.data().release();
            }
        }
        t.onEnd(out::add);
        return out;
    }

    private ChatRequest plainRequest() {
        ByteBuf body = buf("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        try {
            return OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
        } finally {
            body.release();
        }
    }

    @Test
    void toolOrdinalsIgnoreThinkingAndTextBlocks() {
        List<StreamEvent> out = run(adapter.streamTranslator(plainRequest()),
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg\",\"model\":\"c\",\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}",
                "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\"}}",
                "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"thinking_delta\",\"thinking\":\"hmm\"}}",
                "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t1\",\"name\":\"a\",\"input\":{}}}",
                "{\"type\":\"content_block_start\",\"index\":2,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}",
                "{\"type\":\"content_block_start\",\"index\":3,\"content_block\":{\"type\":\"tool_use\",\"id\":\"t2\",\"name\":\"b\",\"input\":{}}}",
                "{\"type\":\"content_block_delta\",\"index\":3,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{}\"}}",
                "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"x\\\":1}\"}}",
                "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}",
                "{\"type\":\"message_stop\"}",
                "{\"type\":\"content_block_delta\",\"index\":2,\"delta\":{\"type\":\"text_delta\",\"text\":\"after stop\"}}");
        assertEquals(List.of(new StreamEvent.Start("msg", "c"), new StreamEvent.ReasoningDelta(0, "hmm"),
                new StreamEvent.ToolCallStart(0, 0, "t1", "a"), new StreamEvent.ToolCallStart(0, 1, "t2", "b"),
                new StreamEvent.ToolCallArguments(0, 1, "{}"), new StreamEvent.ToolCallArguments(0, 0, "{\"x\":1}"),
                new StreamEvent.Finish(0, FinishReason.TOOL_CALLS),
                new StreamEvent.UsageReport(new dev.junction.stream.Usage(5, 9, 0, 0, 0))), out);
    }

    @Test
    void malformedEventEndsTheStreamWithOneError() {
        List<StreamEvent> out = run(adapter.streamTranslator(plainRequest()),
                "{\"type\":\"message_start\",\"message\":{\"id\":\"msg\",\"model\":\"c\",\"usage\":{}}}", "{not json");
        assertEquals(2, out.size());
        StreamEvent.Error e = assertInstanceOf(StreamEvent.Error.class, out.get(1));
        assertEquals("stream_interrupted", e.error().code());
    }

    @Test
    void retryAfterAsHttpDateUsesTheInjectedClock() {
        DefaultHttpHeaders h = new DefaultHttpHeaders();
        h.add("retry-after", "Thu, 01 Jan 2026 00:00:45 GMT");
        ByteBuf body = buf("{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"slow down\"}}");
        try {
            GatewayError e = adapter.error(429, h, body);
            assertEquals(Duration.ofSeconds(45), e.retryAfter());
            assertEquals("upstream_rate_limited", e.code());
        } finally {
            body.release();
        }
    }

    @Test
    void vendorKeysAreScrubbedFromMessages() {
        ByteBuf body = buf("{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"bad key sk-ant-api03-abcDEF_123\"}}");
        try {
            GatewayError e = adapter.error(400, new DefaultHttpHeaders(), body);
            assertFalse(e.message().contains("abcDEF"), e.message());
        } finally {
            body.release();
        }
    }

    @Test
    void parameterTableHasOneRowPerField() {
        long distinct = AnthropicParameters.TABLE.stream().map(AnthropicParameters.Param::openAi).distinct().count();
        assertEquals(AnthropicParameters.TABLE.size(), distinct);
        for (String extra : AnthropicParameters.EXTRA_KNOWN_UNSUPPORTED) {
            GatewayError e = refusal("{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\""
                    + extra + "\":1}", Map.of());
            assertEquals(extra, e.param());
            assertEquals("unsupported_capability", e.code());
        }
    }
}
