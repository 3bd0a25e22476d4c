package dev.junction.core.routing;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.catalog.Capability;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestProfileTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void plainTextNeedsNothingAndEstimatesBytesOverThree() {
        String text = "Hello there, how are you today?";   // 31 bytes
        RequestProfile p = RequestProfile.of(Fixtures.chat(List.of(Fixtures.user(text))));
        assertTrue(p.needs().isEmpty());
        assertEquals(RequestProfile.TOKENS_PER_MESSAGE + 11, p.estimatedInputTokens());
        assertEquals(null, p.requestedMaxOutput());
    }

    @Test
    void estimateCountsUtf8BytesNotChars() {
        String text = "日本語のテキスト😀";
        long bytes = text.getBytes(StandardCharsets.UTF_8).length;
        assertEquals(bytes, RequestProfile.utf8(text));
        RequestProfile p = RequestProfile.of(Fixtures.chat(List.of(Fixtures.user(text))));
        assertEquals(RequestProfile.TOKENS_PER_MESSAGE + (bytes + 2) / 3, p.estimatedInputTokens());
    }

    @Test
    void estimateIsConservativeForEnglish() {
        // ~4 characters per token in English: 4,000 characters are ~1,000 real tokens.
        String text = "The quick brown fox jumps over the lazy dog. ".repeat(89);
        RequestProfile p = RequestProfile.of(Fixtures.chat(List.of(Fixtures.user(text))));
        assertTrue(p.estimatedInputTokens() >= text.length() / 4, "never under the usual 4 chars/token");
        assertTrue(p.estimatedInputTokens() <= text.length() / 2, "not wildly over either");
    }

    @Test
    void featuresBecomeNeeds() throws Exception {
        var schema = JSON.readTree("{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}");
        Message withImage = new Message.User(List.of(new ContentPart.Text("what is this?"),
                new ContentPart.Image(new MediaSource.Url("https://example.com/a.png"), null)), null);
        ChatRequest r = new ChatRequest("chat", List.of(withImage), null, null, null, null, 500, "max_tokens", null,
                null, null, List.of(new Tool("weather", "get weather", schema, null)), null, null,
                new ResponseFormat.JsonSchema("out", null, schema, true), "high", null, null, true, false, null);
        RequestProfile p = RequestProfile.of(r);
        assertEquals(EnumSet.of(Capability.STREAMING, Capability.TOOLS, Capability.VISION, Capability.JSON_SCHEMA,
                Capability.REASONING), p.needs());
        assertEquals(500, p.requestedMaxOutput());
        assertTrue(p.estimatedInputTokens() >= RequestProfile.TOKENS_PER_IMAGE + RequestProfile.TOKENS_PER_MESSAGE);
    }

    @Test
    void toolHistoryNeedsTools() {
        Message assistant = new Message.Assistant(List.of(), List.of(new ToolCall("c1", "f", "{\"a\":1}")), null, null);
        Message tool = new Message.Tool("c1", List.of(new ContentPart.Text("42")));
        RequestProfile p = RequestProfile.of(Fixtures.chat(List.of(Fixtures.user("hi"), assistant, tool)));
        assertEquals(EnumSet.of(Capability.TOOLS), p.needs());
    }

    @Test
    void jsonObjectFormatDoesNotNeedJsonSchema() {
        ChatRequest r = new ChatRequest("chat", List.of(Fixtures.user("x")), null, null, null, null, null, null, null,
                null, null, null, null, null, new ResponseFormat.JsonObject(), null, null, null, false, false, null);
        assertTrue(RequestProfile.of(r).needs().isEmpty());
    }

    @Test
    void passThroughDoesNotCountInlineMediaAsText() {
        RequestProfile p = RequestProfile.passThrough(true, 2, false, true, false, 3_000_300, 3_000_000, 100);
        assertEquals(EnumSet.of(Capability.TOOLS, Capability.VISION, Capability.STREAMING), p.needs());
        assertEquals(100 + 2L * RequestProfile.TOKENS_PER_IMAGE, p.estimatedInputTokens());
        assertEquals(100, p.requestedMaxOutput());
    }

    @Test
    void embeddingsNeedEmbeddingsAndTheLargestInputMustFit() {
        EmbeddingsRequest r = new EmbeddingsRequest("emb", List.of("short", "x".repeat(3000)), null, null, false, null);
        RequestProfile p = RequestProfile.of(r);
        assertEquals(EnumSet.of(Capability.EMBEDDINGS), p.needs());
        assertEquals(1000, p.estimatedInputTokens());
    }

}
