package dev.junction.translators.openaichat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.FinishReason;
import dev.junction.stream.SseEvent;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.golden.SseFraming;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VendorAdapter;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the golden files cannot say: flavors (URL, auth, max tokens field), dialects, canonical-only fields, several choices. */
class OpenAiChatAdapterTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Target target(String type, Map<String, String> options) {
        return new Target("p", type, "https://vendor.test", "dep-model", "sk-secret-123", Map.of("x-extra", "1"), options);
    }

    private static ChatRequest chat(String json) {
        ByteBuf body = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
        } finally {
            body.release();
        }
    }

    private static JsonNode body(UpstreamRequest up) throws Exception {
        try {
            return JSON.readTree(up.body().toString(StandardCharsets.UTF_8));
        } finally {
            up.body().release();
        }
    }

    private static ChatRequest withBudget(ChatRequest r, int budget) {
        return new ChatRequest(r.model(), r.messages(), r.temperature(), r.topP(), r.n(), r.stop(), r.maxTokens(),
                r.maxTokensField(), r.seed(), r.presencePenalty(), r.frequencyPenalty(), r.tools(), r.toolChoice(),
                r.parallelToolCalls(), r.responseFormat(), null, r.user(), r.metadata(), r.stream(), r.includeUsage(),
                r.extra(), 40, budget);
    }

    @Test
    void everyOpenAiShapedTypeHasOneAndChatDoorStaysPassThrough() {
        for (String type : List.of("openai", "azure-openai", "openai-compatible")) {
            VendorAdapter a = VendorRegistry.canonicalAdapter(type);
            assertInstanceOf(OpenAiChatAdapter.class, a, type);
            assertEquals(type, a.type());
            assertFalse(VendorRegistry.vendor(type) instanceof VendorAdapter, "chat door keeps the pass-through for " + type);
        }
        assertSame(VendorRegistry.adapter("anthropic"), VendorRegistry.canonicalAdapter("anthropic"));
        assertEquals(null, VendorRegistry.canonicalAdapter("nope"));
    }

    @Test
    void azureUsesDeploymentUrlAndApiKeyHeader() throws Exception {
        VendorAdapter a = VendorRegistry.canonicalAdapter("azure-openai");
        UpstreamRequest up = a.chatRequest(chat("{\"model\":\"m\",\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                target("azure-openai", Map.of("api-version", "2025-01-01")), PooledByteBufAllocator.DEFAULT, new Warnings());
        assertEquals("/openai/deployments/dep-model/chat/completions?api-version=2025-01-01", up.path());
        assertTrue(up.headers().contains(Map.entry("api-key", "sk-secret-123")));
        assertTrue(up.headers().contains(Map.entry("x-extra", "1")));
        assertEquals(9, body(up).path("max_completion_tokens").asInt());
    }

    @Test
    void compatibleServersGetMaxTokensAndStreamUsageCanBeOff() throws Exception {
        VendorAdapter a = VendorRegistry.canonicalAdapter("openai-compatible");
        ChatRequest r = chat("{\"model\":\"m\",\"stream\":true,\"max_completion_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        JsonNode b = body(a.chatRequest(r, target("openai-compatible", Map.of()), PooledByteBufAllocator.DEFAULT, new Warnings()));
        assertEquals(9, b.path("max_tokens").asInt());
        assertFalse(b.has("max_completion_tokens"));
        assertTrue(b.path("stream_options").path("include_usage").asBoolean());
        JsonNode off = body(a.chatRequest(r, target("openai-compatible", Map.of("stream-usage", "false")),
                PooledByteBufAllocator.DEFAULT, new Warnings()));
        assertFalse(off.has("stream_options"));
        assertTrue(off.path("stream").asBoolean());
    }

    @Test
    void thinkingBudgetBecomesEffortWithWarningAndTopKIsRefusedOrDropped() throws Exception {
        VendorAdapter a = VendorRegistry.canonicalAdapter("openai");
        ChatRequest r = withBudget(chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), 8000);
        TranslationException e = assertThrows(TranslationException.class, () -> a.chatRequest(r,
                target("openai", Map.of()), PooledByteBufAllocator.DEFAULT, new Warnings()));
        assertEquals("unsupported_capability", e.error().code());
        assertEquals("top_k", e.error().param());
        Warnings w = new Warnings();
        JsonNode b = body(a.chatRequest(r, target("openai", Map.of("unsupported", "drop")), PooledByteBufAllocator.DEFAULT, w));
        assertEquals("medium", b.path("reasoning_effort").asText());
        assertFalse(b.has("top_k"));
        assertEquals(2, w.list().size(), w.list().toString());
    }

    @Test
    void assistantReasoningAndToolErrorAreDroppedWithWarnings() throws Exception {
        VendorAdapter a = VendorRegistry.canonicalAdapter("openai");
        ChatRequest base = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        ChatRequest r = base.withMessages(List.of(
                new Message.User(List.of(new ContentPart.Text("hi")), null),
                new Message.Assistant(List.of(), List.of(new ToolCall("call_1", "f", "")), "thought", null),
                new Message.Tool("call_1", List.of(new ContentPart.Text("boom")), true)));
        Warnings w = new Warnings();
        JsonNode b = body(a.chatRequest(r, target("openai", Map.of()), PooledByteBufAllocator.DEFAULT, w));
        assertEquals("{}", b.at("/messages/1/tool_calls/0/function/arguments").asText());
        assertTrue(b.at("/messages/1/content").isNull());
        assertFalse(b.at("/messages/1").has("reasoning_content"));
        assertEquals("boom", b.at("/messages/2/content").asText());
        assertEquals(2, w.list().size(), w.list().toString());
    }

    @Test
    void mistralDialectRewritesToolCallIdsOfTheWrittenBody() throws Exception {
        VendorAdapter a = VendorRegistry.canonicalAdapter("openai-compatible");
        Target t = target("openai-compatible", Map.of("dialect", "mistral"));
        ChatRequest r = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_abc_long\",\"type\":\"function\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_abc_long\",\"content\":\"ok\"}]}");
        JsonNode b = body(a.forTarget(t).chatRequest(r, t, PooledByteBufAllocator.DEFAULT, new Warnings()));
        String id = b.at("/messages/1/tool_calls/0/id").asText();
        assertTrue(id.matches("[a-zA-Z0-9]{9}"), id);
        assertEquals(id, b.at("/messages/2/tool_call_id").asText());
    }

    @Test
    void ollamaDialectRefusesWhatTheServerCannotDo() {
        VendorAdapter a = VendorRegistry.canonicalAdapter("openai-compatible");
        Target t = target("openai-compatible", Map.of("dialect", "ollama"));
        ChatRequest r = chat("{\"model\":\"m\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
                + "\"tool_choice\":\"required\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        TranslationException e = assertThrows(TranslationException.class,
                () -> a.chatRequest(r, t, PooledByteBufAllocator.DEFAULT, new Warnings()));
        assertEquals("unsupported_capability", e.error().code());
        assertEquals("tool_choice", e.error().param());
    }

    @Test
    void forTargetBindsTheDialectForAnswersAndStreams() {
        VendorAdapter a = VendorRegistry.canonicalAdapter("openai-compatible");
        assertSame(a, a.forTarget(target("openai-compatible", Map.of())));
        VendorAdapter together = a.forTarget(target("openai-compatible", Map.of("dialect", "together")));
        assertNotSame(a, together);
        String answer = "{\"id\":\"x\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                + "\"finish_reason\":\"eos\"}]}";
        ByteBuf b = Unpooled.copiedBuffer(answer, StandardCharsets.UTF_8);
        try {
            assertEquals(FinishReason.STOP, together.chatResponse(null, b).choices().get(0).finishReason());
        } finally {
            b.release();
        }
        VendorAdapter deepseek = a.forTarget(target("openai-compatible", Map.of("dialect", "deepseek")));
        String overloaded = answer.replace("eos", "insufficient_system_resource");
        ByteBuf o = Unpooled.copiedBuffer(overloaded, StandardCharsets.UTF_8);
        try {
            TranslationException e = assertThrows(TranslationException.class, () -> deepseek.chatResponse(null, o));
            assertEquals("upstream_unavailable", e.error().code());
        } finally {
            o.release();
        }
        List<StreamEvent> events = stream(deepseek.streamTranslator(chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")),
                "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null}]}\n\n"
                        + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"insufficient_system_resource\"}]}\n\n");
        StreamEvent last = events.get(events.size() - 1);
        assertInstanceOf(StreamEvent.Error.class, last);
        assertEquals("upstream_unavailable", ((StreamEvent.Error) last).error().code());
    }

    @Test
    void severalChoicesAndToolCallsWithoutIndexOrWithReusedIndex() {
        VendorAdapter a = VendorRegistry.canonicalAdapter("openai");
        ChatRequest two = chat("{\"model\":\"m\",\"n\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        List<StreamEvent> events = stream(a.streamTranslator(two),
                "data: {\"id\":\"c\",\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"A\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},\"finish_reason\":null}]}\n\n"
                        + "data: {\"id\":\"c\",\"choices\":[{\"index\":1,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"B\",\"function\":{\"name\":\"g\",\"arguments\":\"{\\\"a\\\":1}\"}}]},\"finish_reason\":null}]}\n\n"
                        + "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n"
                        + "data: {\"id\":\"c\",\"choices\":[{\"index\":1,\"delta\":{},\"finish_reason\":\"tool_calls\"}]}\n\n");
        assertEquals(List.of(
                new StreamEvent.Start("c", null),
                new StreamEvent.ToolCallStart(1, 0, "A", "f"),
                new StreamEvent.ToolCallArguments(1, 0, "{}"),
                new StreamEvent.ToolCallStart(1, 1, "B", "g"),
                new StreamEvent.ToolCallArguments(1, 1, "{\"a\":1}"),
                new StreamEvent.TextDelta(0, "hi"),
                new StreamEvent.Finish(0, FinishReason.STOP),
                new StreamEvent.Finish(1, FinishReason.TOOL_CALLS)), events,
                "no [DONE], but every choice finished: complete");
        List<StreamEvent> cut = stream(a.streamTranslator(two),
                "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"},\"finish_reason\":\"stop\"}]}\n\n");
        assertInstanceOf(StreamEvent.Error.class, cut.get(cut.size() - 1), "one of two choices finished: truncated");
    }

    @Test
    void anErrorInsideA200AnswerIsTheVendorError() {
        VendorAdapter a = VendorRegistry.canonicalAdapter("openai");
        ByteBuf b = Unpooled.copiedBuffer("{\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}", StandardCharsets.UTF_8);
        try {
            TranslationException e = assertThrows(TranslationException.class, () -> a.chatResponse(null, b));
            assertEquals("upstream_unavailable", e.error().code());
            assertFalse(e.error().message().contains("sk-secret"));
        } finally {
            b.release();
        }
        ByteBuf junk = Unpooled.copiedBuffer("<html>", StandardCharsets.UTF_8);
        try {
            TranslationException e = assertThrows(TranslationException.class, () -> a.chatResponse(null, junk));
            assertEquals("upstream_invalid_response", e.error().code());
        } finally {
            junk.release();
        }
    }

    private static List<StreamEvent> stream(StreamTranslator t, String sse) {
        List<StreamEvent> out = new ArrayList<>();
        for (SseEvent e : SseFraming.frame(sse.getBytes(StandardCharsets.UTF_8), 7)) {
            try {
                t.onEvent(e, out::add);
            } finally {
                e.data().release();
            }
        }
        t.onEnd(out::add);
        return out;
    }
}
