package dev.junction.translators.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.ToolChoice;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiRequestDecoderTest {

    private static <T> T withBody(String json, Function<ByteBuf, T> f) {
        ByteBuf body = PooledByteBufAllocator.DEFAULT.directBuffer();
        try {
            // A non-zero reader index proves offsets are taken relative to it.
            body.writeBytes("garbage".getBytes(StandardCharsets.US_ASCII)).skipBytes(7);
            body.writeCharSequence(json, StandardCharsets.UTF_8);
            return f.apply(body);
        } finally {
            body.release();
        }
    }

    private static ChatRequest chat(String json) {
        return withBody(json, b -> OpenAiRequestDecoder.decodeChat(b, JsonLimits.DEFAULT));
    }

    private static GatewayError chatError(String json) {
        return chatError(json, JsonLimits.DEFAULT);
    }

    private static GatewayError chatError(String json, JsonLimits limits) {
        return assertThrows(TranslationException.class,
                () -> withBody(json, b -> OpenAiRequestDecoder.decodeChat(b, limits))).error();
    }

    @Test
    void decodesATypicalRequest() {
        ChatRequest r = chat("""
                {"model":"smart","messages":[
                   {"role":"system","content":"Be brief."},
                   {"role":"user","content":[{"type":"text","text":"Hi"}],"name":"ann"},
                   {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                      "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                   {"role":"tool","tool_call_id":"call_1","content":"sunny"}],
                 "temperature":0.5,"top_p":0.9,"n":1,"stop":"END","max_tokens":100,"seed":7,
                 "tools":[{"type":"function","function":{"name":"get_weather","description":"d",
                    "parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
                 "tool_choice":{"type":"function","function":{"name":"get_weather"}},
                 "parallel_tool_calls":false,
                 "response_format":{"type":"json_schema","json_schema":{"name":"x","schema":{"type":"object"},"strict":true}},
                 "reasoning_effort":"low","user":"u1","metadata":{"k":"v"},
                 "stream":true,"stream_options":{"include_usage":true},
                 "logit_bias":{"50256":-100},"store":null}
                """);
        assertEquals("smart", r.model());
        assertEquals(4, r.messages().size());
        assertInstanceOf(Message.System.class, r.messages().get(0));
        Message.User user = (Message.User) r.messages().get(1);
        assertEquals("ann", user.name());
        Message.Assistant a = (Message.Assistant) r.messages().get(2);
        assertTrue(a.content().isEmpty());
        assertEquals("{\"city\":\"Paris\"}", a.toolCalls().get(0).arguments());
        Message.Tool t = (Message.Tool) r.messages().get(3);
        assertEquals("call_1", t.toolCallId());
        assertEquals(0.5, r.temperature());
        assertEquals(java.util.List.of("END"), r.stop());
        assertEquals(100, r.maxTokens());
        assertEquals("max_tokens", r.maxTokensField());
        assertEquals(7L, r.seed());
        assertEquals("object", r.tools().get(0).parameters().get("type").asText());
        assertEquals(new ToolChoice.Named("get_weather"), r.toolChoice());
        assertEquals(Boolean.FALSE, r.parallelToolCalls());
        ResponseFormat.JsonSchema js = (ResponseFormat.JsonSchema) r.responseFormat();
        assertEquals("x", js.name());
        assertEquals(Boolean.TRUE, js.strict());
        assertEquals("low", r.reasoningEffort());
        assertTrue(r.stream());
        assertTrue(r.includeUsage());
        assertEquals(java.util.Set.of("logit_bias"), r.extra().keySet(), "null-valued unknown fields are 'not sent'");
    }

    @Test
    void maxCompletionTokensWinsAndIsRecorded() {
        ChatRequest r = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"max_completion_tokens\":50}");
        assertEquals(50, r.maxTokens());
        assertEquals("max_completion_tokens", r.maxTokensField());
        ChatRequest none = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertNull(none.maxTokensField());
        assertNull(none.maxTokens());
    }

    @Test
    void dataUrlImageIsASpanIntoTheBody() {
        String b64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        ByteBuf body = PooledByteBufAllocator.DEFAULT.directBuffer();
        try {
            body.writeCharSequence("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":["
                    + "{\"type\":\"image_url\",\"image_url\":{\"detail\":\"high\",\"url\":\"data:image/png;base64," + b64 + "\"}},"
                    + "{\"type\":\"file\",\"file\":{\"filename\":\"a.pdf\",\"file_data\":\"data:application/pdf;base64,JVBERi0=\"}},"
                    + "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"UklGRg==\",\"format\":\"wav\"}},"
                    + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}",
                    StandardCharsets.UTF_8);
            ChatRequest r = OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
            var parts = ((Message.User) r.messages().get(0)).content();
            ContentPart.Image img = (ContentPart.Image) parts.get(0);
            assertEquals("high", img.detail());
            MediaSource.Inline inline = (MediaSource.Inline) img.source();
            assertEquals("image/png", inline.mimeType());
            assertSame(body, inline.base64().buffer(), "the span must point into the request body, not a copy");
            assertEquals(b64, inline.base64().asString());
            ContentPart.File file = (ContentPart.File) parts.get(1);
            assertEquals("a.pdf", file.filename());
            assertEquals("application/pdf", ((MediaSource.Inline) file.source()).mimeType());
            assertEquals("JVBERi0=", ((MediaSource.Inline) file.source()).base64().asString());
            ContentPart.Audio audio = (ContentPart.Audio) parts.get(2);
            assertEquals("UklGRg==", ((MediaSource.Inline) audio.source()).base64().asString());
            assertEquals(new MediaSource.Url("https://example.com/cat.png"), ((ContentPart.Image) parts.get(3)).source());
            assertEquals(0, body.readerIndex(), "the decoder must not move the body's indexes");
        } finally {
            body.release();
        }
    }

    /**
     * The parser reads the body over its array, over a copy (direct and composite bodies) or as a
     * stream (large direct bodies): the media span must point at the same bytes in every case.
     */
    @Test
    void dataUrlSpansAreRightWhicheverWayTheBodyIsRead() {
        String b64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
        for (int padding : new int[] {0, 100_000}) {
            byte[] json = ("{\"model\":\"m\",\"user\":\"" + "x".repeat(padding) + "\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":[{\"type\":\"text\",\"text\":\"caf\u00e9\"},{\"type\":\"image_url\","
                    + "\"image_url\":{\"url\":\"data:image/png;base64," + b64 + "\"}}]}]}").getBytes(StandardCharsets.UTF_8);
            byte[] padded = new byte[json.length + 20];
            System.arraycopy(json, 0, padded, 11, json.length);
            ByteBuf heap = io.netty.buffer.Unpooled.wrappedBuffer(padded, 3, json.length + 12).skipBytes(8); // array offset 3, reader index 8
            ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(padded, 0, 11 + json.length).skipBytes(11);
            io.netty.buffer.CompositeByteBuf composite = PooledByteBufAllocator.DEFAULT.compositeDirectBuffer();
            composite.addComponent(true, PooledByteBufAllocator.DEFAULT.directBuffer().writeBytes(json, 0, json.length / 2));
            composite.addComponent(true, PooledByteBufAllocator.DEFAULT.directBuffer()
                    .writeBytes(json, json.length / 2, json.length - json.length / 2));
            for (ByteBuf body : List.of(heap.writerIndex(11 + json.length - 3), direct, composite)) {
                try {
                    int readerIndex = body.readerIndex();
                    ChatRequest r = OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
                    var parts = ((Message.User) r.messages().get(0)).content();
                    assertEquals("caf\u00e9", ((ContentPart.Text) parts.get(0)).text());
                    MediaSource.Inline inline = (MediaSource.Inline) ((ContentPart.Image) parts.get(1)).source();
                    assertSame(body, inline.base64().buffer());
                    assertEquals(b64, inline.base64().asString(), "padding " + padding + ", " + body.getClass().getSimpleName());
                    assertEquals(readerIndex, body.readerIndex(), "the decoder must not move the body's indexes");
                } finally {
                    body.release();
                }
            }
        }
    }

    @Test
    void aTenMegabyteDataUrlIsNeverMaterialised() {
        byte[] head = ("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/png;base64,").getBytes(StandardCharsets.US_ASCII);
        byte[] tail = "\"}}]}]}".getBytes(StandardCharsets.US_ASCII);
        int size = 10 * 1024 * 1024;
        byte[] bytes = new byte[head.length + size + tail.length];
        System.arraycopy(head, 0, bytes, 0, head.length);
        Arrays.fill(bytes, head.length, head.length + size, (byte) 'A');
        System.arraycopy(tail, 0, bytes, head.length + size, tail.length);
        // A plain heap buffer: the paranoid leak detector the tests run with records a stack trace
        // on every access of a tracked buffer, which would dwarf what the decoder itself allocates.
        ByteBuf body = io.netty.buffer.Unpooled.wrappedBuffer(bytes);
        try {
            OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long before = threads.getCurrentThreadAllocatedBytes();
            ChatRequest r = OpenAiRequestDecoder.decodeChat(body, JsonLimits.DEFAULT);
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            var img = (ContentPart.Image) ((Message.User) r.messages().get(0)).content().get(0);
            assertEquals(size, ((MediaSource.Inline) img.source()).base64().length());
            assertTrue(allocated < 1024 * 1024, "decoding allocated " + allocated + " bytes for a 10 MB image");
        } finally {
            body.release();
        }
    }

    @Test
    void escapedDataUrlFallsBackToDecoding() {
        ChatRequest r = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/jpeg;base64,ab\\/cd+=\"}}]}]}");
        var img = (ContentPart.Image) ((Message.User) r.messages().get(0)).content().get(0);
        assertEquals("ab/cd+=", ((MediaSource.Inline) img.source()).base64().asString());
    }

    @Test
    void largeDataUrlIsNotLimitedByTheTextPath() {
        char[] big = new char[3_000_000];
        Arrays.fill(big, 'A');
        String b64 = new String(big);
        ChatRequest r = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/png;base64," + b64 + "\"}}]}]}");
        var img = (ContentPart.Image) ((Message.User) r.messages().get(0)).content().get(0);
        assertEquals(3_000_000, ((MediaSource.Inline) img.source()).base64().length());
        GatewayError e = chatError("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/png;base64," + b64 + "\"}}]}]}", new JsonLimits(64, 1_000_000));
        assertEquals("invalid_value", e.code());
        assertEquals("messages[0].content[0].image_url.url", e.param());
    }

    @Test
    void malformedJsonIsInvalidJson() {
        GatewayError e = chatError("{\"model\":\"m\",");
        assertEquals(400, e.status());
        assertEquals("invalid_json", e.code());
        assertEquals("invalid_json", chatError("[1]").code());
        assertEquals("invalid_json", chatError("{} {}").code());
    }

    @Test
    void missingFieldsAreNamed() {
        GatewayError noModel = chatError("{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");
        assertEquals("missing_field", noModel.code());
        assertEquals("model", noModel.param());
        GatewayError noMessages = chatError("{\"model\":\"m\"}");
        assertEquals("missing_field", noMessages.code());
        assertEquals("messages", noMessages.param());
        GatewayError noToolId = chatError("{\"model\":\"m\",\"messages\":[{\"role\":\"tool\",\"content\":\"x\"}]}");
        assertEquals("messages[0].tool_call_id", noToolId.param());
    }

    @Test
    void wrongTypesAndRangesAreInvalidValue() {
        String msgs = "\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"},"
                + "{\"role\":\"user\",\"content\":42}]";
        GatewayError content = chatError("{\"model\":\"m\"," + msgs + "}");
        assertEquals("invalid_value", content.code());
        assertEquals("messages[2].content", content.param());
        assertTrue(content.message().contains("messages[2].content"));
        String ok = "\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]";
        assertEquals("n", chatError("{\"model\":\"m\"," + ok + ",\"n\":0}").param());
        assertEquals("temperature", chatError("{\"model\":\"m\"," + ok + ",\"temperature\":2.5}").param());
        assertEquals("temperature", chatError("{\"model\":\"m\"," + ok + ",\"temperature\":\"hot\"}").param());
        assertEquals("model", chatError("{\"model\":3," + ok + "}").param());
        assertEquals("messages", chatError("{\"model\":\"m\",\"messages\":[]}").param());
        assertEquals("messages[0].role", chatError("{\"model\":\"m\",\"messages\":[{\"role\":\"robot\",\"content\":\"a\"}]}").param());
        assertEquals("tools[0].function.name", chatError("{\"model\":\"m\"," + ok
                + ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"bad name\"}}]}").param());
        assertEquals("stream_options", chatError("{\"model\":\"m\"," + ok + ",\"stream_options\":{\"include_usage\":true}}").param());
        assertEquals("messages[0].content[0].image_url.url", chatError("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                + "\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png,abc\"}}]}]}").param());
    }

    @Test
    void depthAndStringLimitsAreEnforced() {
        String deep = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"}],\"x\":"
                + "[".repeat(40) + "]".repeat(40) + "}";
        assertEquals("invalid_value", chatError(deep, new JsonLimits(16, 1000)).code());
        String longText = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "a".repeat(2000) + "\"}]}";
        assertEquals("invalid_value", chatError(longText, new JsonLimits(16, 1000)).code());
        assertFalse(chat(longText).messages().isEmpty());
    }

    @Test
    void decodesEmbeddings() throws Exception {
        EmbeddingsRequest e = withBody("{\"model\":\"emb\",\"input\":[\"a\",\"b\"],\"encoding_format\":\"base64\",\"dimensions\":8}",
                b -> OpenAiRequestDecoder.decodeEmbeddings(b, JsonLimits.DEFAULT));
        assertEquals(java.util.List.of("a", "b"), e.inputs());
        assertTrue(e.base64());
        assertEquals(8, e.dimensions());
        EmbeddingsRequest tokens = withBody("{\"model\":\"emb\",\"input\":[[1,2],[3]]}",
                b -> OpenAiRequestDecoder.decodeEmbeddings(b, JsonLimits.DEFAULT));
        assertNull(tokens.inputs());
        assertEquals(2, tokens.tokenInputs().size());
        assertFalse(tokens.base64());
        GatewayError missing = assertThrows(TranslationException.class, () -> withBody("{\"model\":\"emb\"}",
                b -> OpenAiRequestDecoder.decodeEmbeddings(b, JsonLimits.DEFAULT))).error();
        assertEquals("input", missing.param());
        GatewayError format = assertThrows(TranslationException.class, () -> withBody(
                "{\"model\":\"emb\",\"input\":\"a\",\"encoding_format\":\"int8\"}",
                b -> OpenAiRequestDecoder.decodeEmbeddings(b, JsonLimits.DEFAULT))).error();
        assertEquals("encoding_format", format.param());
        new ObjectMapper();
    }
}
