package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.StreamEvent;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.model.ToolChoice;
import dev.junction.translators.spi.StreamTranslator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import dev.junction.stream.SseEvent;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Behaviour the golden scenarios do not pin down: edge cases, ownership and the smaller decisions. */
class GeminiAdapterTest {

    static final Target TARGET = GeminiGoldenTest.TARGET;

    static GeminiAdapter adapter() {
        return new GeminiAdapter(GeminiGoldenTest.ids());
    }

    static JsonNode body(ChatRequest req, Target target, Warnings warnings) {
        UpstreamRequest up = adapter().chatRequest(req, target, ByteBufAllocator.DEFAULT, warnings);
        try {
            return Golden.parse(up.body());
        } finally {
            up.body().release();
        }
    }

    static JsonNode body(ChatRequest req) {
        return body(req, TARGET, new Warnings());
    }

    static GatewayError refused(ChatRequest req) {
        return assertThrows(TranslationException.class,
                () -> adapter().chatRequest(req, TARGET, ByteBufAllocator.DEFAULT, new Warnings())).error();
    }

    // ---- thought signatures ---------------------------------------------------------------------

    @Test
    void thoughtSignaturesRoundTripThroughBase64Url() {
        String sig = "ab+/cQ==";
        String id = ThoughtSignatures.encode("call_1", sig);
        assertEquals("call_1__thought__ab-_cQ", id);
        assertEquals(new ThoughtSignatures.Decoded("call_1", sig), ThoughtSignatures.decode(id));
        assertEquals(new ThoughtSignatures.Decoded("call_1", null), ThoughtSignatures.decode("call_1"));
        assertEquals("call_1", ThoughtSignatures.encode("call_1", null));
        // a suffix that is not base64url is not ours: the id is kept whole, with no signature
        assertEquals(new ThoughtSignatures.Decoded("x__thought__a b", null), ThoughtSignatures.decode("x__thought__a b"));
        assertEquals(new ThoughtSignatures.Decoded("x__thought__", null), ThoughtSignatures.decode("x__thought__"));
        assertEquals(new ThoughtSignatures.Decoded("x__thought__abcde", null), ThoughtSignatures.decode("x__thought__abcde"),
                "a length no base64 text can have");
    }

    // ---- request --------------------------------------------------------------------------------

    @Test
    void invalidValuesAreRejectedNotClamped() {
        Req seed = Req.of().user("x");
        seed.seed = 1L << 40;
        assertEquals("seed", refused(seed.build()).param());
        Req temp = Req.of().user("x");
        temp.temperature = 2.5;
        assertEquals("invalid_value", refused(temp.build()).code());
        Req stop = Req.of().user("x");
        stop.stop = List.of("a", "b", "c", "d", "e", "f");
        assertEquals("stop", refused(stop.build()).param());
        Req effort = Req.of().user("x");
        effort.reasoningEffort = "extreme";
        assertEquals("reasoning_effort", refused(effort.build()).param());
        Req max = Req.of().user("x");
        max.maxTokens = 0;
        max.maxTokensField = "max_tokens";
        assertEquals("max_tokens", refused(max.build()).param());
    }

    @Test
    void toolChoiceMustMatchTheTools() {
        Req named = Req.of().user("x");
        named.tools = List.of(new Tool("a", null, null, null));
        named.toolChoice = new ToolChoice.Named("b");
        assertEquals("tool_choice", refused(named.build()).param());
        Req required = Req.of().user("x");
        required.toolChoice = new ToolChoice.Required();
        assertEquals("tool_choice", refused(required.build()).param());
        Req none = Req.of().user("x");
        none.toolChoice = new ToolChoice.None();
        assertFalse(body(none.build()).has("toolConfig"), "no tools, nothing to configure");
    }

    @Test
    void xhighEffortIsUnsupportedAsALevelButDroppableWithAWarning() {
        Req r = Req.of().user("x");
        r.reasoningEffort = "xhigh";
        Target level = new Target("g", "gemini", "b", "gemini-3-pro-preview", "k", Map.of(), Map.of("thinking", "level"));
        assertThrows(TranslationException.class,
                () -> adapter().chatRequest(r.build(), level, ByteBufAllocator.DEFAULT, new Warnings()));
        Target drop = new Target("g", "gemini", "b", "gemini-3-pro-preview", "k", Map.of(),
                Map.of("thinking", "level", "unsupported", "drop"));
        Warnings w = new Warnings();
        JsonNode b = body(r.build(), drop, w);
        assertTrue(b.path("generationConfig").path("thinkingConfig").isMissingNode());
        assertEquals(List.of("gemini: dropped 'reasoning_effort=xhigh' (no Gemini equivalent)"), w.list());
        // the budget form has a value for it
        assertEquals(32768, body(r.build()).at("/generationConfig/thinkingConfig/thinkingBudget").asInt());
    }

    @Test
    void mediaSourcesGeminiCannotTakeAreRefused() {
        ChatRequest fileId = Req.of().user(new ContentPart.File(new MediaSource.FileId("file-1"), null)).build();
        assertEquals("unsupported_capability", refused(fileId).code());
        ChatRequest noMime = Req.of().user(new ContentPart.Image(
                new MediaSource.Inline(null, new ByteSpan(Unpooled.EMPTY_BUFFER, 0, 0)), null)).build();
        assertEquals("invalid_value", refused(noMime).code());
    }

    @Test
    void youTubeUrlsBecomeFileDataAndMp3KeepsItsMime() {
        ByteBuf client = Unpooled.copiedBuffer("SUQz", StandardCharsets.US_ASCII);
        try {
            ChatRequest req = Req.of().user(
                    new ContentPart.Image(new MediaSource.Url("https://www.youtube.com/watch?v=abc"), "high"),
                    new ContentPart.Audio(new MediaSource.Inline(null, new ByteSpan(client, 0, 4)), "mp3")).build();
            Warnings w = new Warnings();
            JsonNode parts = body(req, TARGET, w).at("/contents/0/parts");
            assertEquals("https://www.youtube.com/watch?v=abc", parts.at("/0/fileData/fileUri").asText());
            assertEquals("audio/mp3", parts.at("/1/inlineData/mimeType").asText());
            assertEquals("SUQz", parts.at("/1/inlineData/data").asText());
            assertEquals(List.of("gemini: dropped messages[0].content[0].image_url.detail"), w.list());
        } finally {
            client.release();
        }
    }

    @Test
    void manyImagesStaySlices() {
        ByteBuf client = Unpooled.copiedBuffer("AAAA", StandardCharsets.US_ASCII);
        try {
            ContentPart[] parts = new ContentPart[40];
            for (int i = 0; i < parts.length; i++) {
                parts[i] = new ContentPart.Image(new MediaSource.Inline("image/png", new ByteSpan(client, 0, 4)), null);
            }
            UpstreamRequest up = adapter().chatRequest(Req.of().user(parts).build(), TARGET, ByteBufAllocator.DEFAULT,
                    new Warnings());
            try {
                client.setByte(0, 'Z');
                String body = up.body().toString(StandardCharsets.US_ASCII);
                assertEquals(40, body.split("\"ZAAA\"", -1).length - 1, "every image still shares the client's bytes");
            } finally {
                up.body().release();
            }
        } finally {
            client.release();
        }
    }

    @Test
    void slicesAreReleasedWhenTranslationFailsAfterMedia() {
        ByteBuf client = Unpooled.copiedBuffer("iVBORw0KGgo=", StandardCharsets.US_ASCII);
        try {
            Req r = Req.of().user(new ContentPart.Image(
                    new MediaSource.Inline("image/png", new ByteSpan(client, 0, client.readableBytes())), null));
            r.seed = Long.MAX_VALUE; // fails while writing generationConfig, after the slice was spliced in
            assertThrows(TranslationException.class,
                    () -> adapter().chatRequest(r.build(), TARGET, ByteBufAllocator.DEFAULT, new Warnings()));
            assertEquals(1, client.refCnt());
        } finally {
            client.release();
        }
    }

    @Test
    void emptyTurnsAreLeftOutAndReasoningIsDroppedWithAWarning() {
        Req r = Req.of().user("a");
        r.messages.add(new Message.Assistant(List.of(new ContentPart.Text("")), List.of(), "I thought", null));
        r.user("b");
        Warnings w = new Warnings();
        JsonNode b = body(r.build(), TARGET, w);
        assertEquals(Golden.parse("[{\"role\":\"user\",\"parts\":[{\"text\":\"a\"},{\"text\":\"b\"}]}]"
                .getBytes(StandardCharsets.UTF_8)), b.get("contents"));
        assertEquals(List.of("gemini: dropped messages[1].reasoning_content (Gemini thoughts cannot be replayed)"), w.list());
    }

    @Test
    void modelPrefixIsToleratedAndExtraHeadersAreSent() {
        Target t = new Target("g", "gemini", "b", "models/gemini-2.5-pro", "k", Map.of("x-extra", "1"), Map.of());
        UpstreamRequest up = adapter().chatRequest(Req.of().user("x").build(), t, ByteBufAllocator.DEFAULT, new Warnings());
        up.body().release();
        assertEquals("/v1beta/models/gemini-2.5-pro:generateContent", up.path());
        assertTrue(up.headers().contains(Map.entry("x-extra", "1")));
        assertTrue(up.headers().contains(Map.entry("x-goog-api-key", "k")));
        Target bad = new Target("g", "gemini", "b", "../x", "k", Map.of(), Map.of());
        assertThrows(TranslationException.class,
                () -> adapter().chatRequest(Req.of().user("x").build(), bad, ByteBufAllocator.DEFAULT, new Warnings()));
    }

    @Test
    void theKeyIsNeverInTheTargetsString() {
        assertFalse(TARGET.toString().contains("AIzaTestKey"));
    }

    // ---- stream ---------------------------------------------------------------------------------

    static List<StreamEvent> run(StreamTranslator t, String... chunks) {
        List<StreamEvent> out = new ArrayList<>();
        for (String c : chunks) {
            ByteBuf data = Unpooled.copiedBuffer(c, StandardCharsets.UTF_8);
            try {
                t.onEvent(new SseEvent(null, data, null, null), out::add);
            } finally {
                data.release();
            }
        }
        t.onEnd(out::add);
        return out;
    }

    @Test
    void twoCandidatesKeepTheirOwnToolOrdinalsAndBothMustFinish() {
        Req r = Req.of().user("x");
        r.n = 2;
        r.stream = true;
        ChatRequest req = r.build();
        String c1 = "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"f\",\"args\":{}}}]},\"index\":1},"
                + "{\"content\":{\"parts\":[{\"text\":\"hi\"}]},\"index\":0}]}";
        String c2 = "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":{\"name\":\"g\"}}]},\"index\":1,\"finishReason\":\"STOP\"},"
                + "{\"content\":{\"parts\":[]},\"index\":0,\"finishReason\":\"MAX_TOKENS\"}]}";
        List<StreamEvent> events = run(adapter().streamTranslator(req), c1, c2);
        assertEquals(List.of(new StreamEvent.Start(null, null),
                new StreamEvent.ToolCallStart(1, 0, "call_1", "f"), new StreamEvent.ToolCallArguments(1, 0, "{}"),
                new StreamEvent.TextDelta(0, "hi"),
                new StreamEvent.ToolCallStart(1, 1, "call_2", "g"), new StreamEvent.ToolCallArguments(1, 1, "{}"),
                new StreamEvent.Finish(1, FinishReason.TOOL_CALLS), new StreamEvent.Finish(0, FinishReason.LENGTH)),
                events);
        List<StreamEvent> cut = run(adapter().streamTranslator(req), c1,
                "{\"candidates\":[{\"content\":{\"parts\":[]},\"index\":0,\"finishReason\":\"STOP\"}]}");
        StreamEvent last = cut.get(cut.size() - 1);
        assertEquals("stream_interrupted", ((StreamEvent.Error) last).error().code(), "choice 1 never finished");
    }

    @Test
    void nothingFollowsAnError() {
        List<StreamEvent> events = run(adapter().streamTranslator(Req.of().user("x").build()),
                "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted (e.g. check quota).\",\"status\":\"RESOURCE_EXHAUSTED\"}}",
                "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"late\"}]},\"finishReason\":\"STOP\"}]}");
        assertEquals(1, events.size());
        GatewayError e = ((StreamEvent.Error) events.get(0)).error();
        assertEquals("upstream_rate_limited", e.code());
        assertTrue(e.retryable(), "a bare RESOURCE_EXHAUSTED is transient capacity (wire-formats §5.2)");
    }

    @Test
    void unreadableChunksAndImpossibleCandidatesEndTheStream() {
        List<StreamEvent> junk = run(adapter().streamTranslator(Req.of().user("x").build()), "{\"candidates\":[");
        assertEquals("upstream_invalid_response", ((StreamEvent.Error) junk.get(0)).error().code());
        assertEquals(1, junk.size());
        List<StreamEvent> index = run(adapter().streamTranslator(Req.of().user("x").build()),
                "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"a\"}]},\"index\":7}]}");
        assertEquals("upstream_invalid_response", ((StreamEvent.Error) index.get(index.size() - 1)).error().code());
    }

    @Test
    void endWithoutAnyChunkIsInterrupted() {
        List<StreamEvent> events = run(adapter().streamTranslator(Req.of().user("x").build()));
        assertEquals(1, events.size());
        assertEquals("stream_interrupted", ((StreamEvent.Error) events.get(0)).error().code());
    }

    // ---- errors ---------------------------------------------------------------------------------

    static GatewayError error(int status, String body, DefaultHttpHeaders headers) {
        ByteBuf b = Unpooled.copiedBuffer(body, StandardCharsets.UTF_8);
        try {
            return adapter().error(status, headers, b);
        } finally {
            b.release();
        }
    }

    @Test
    void nonJsonErrorBodiesMapByStatus() {
        GatewayError e = error(502, "<html>Bad Gateway</html>", new DefaultHttpHeaders());
        assertEquals("upstream_unavailable", e.code());
        assertEquals(503, e.status());
        assertEquals("Gemini is unavailable: Gemini answered HTTP 502.", e.message());
        assertEquals(400, error(400, "", new DefaultHttpHeaders()).status());
        assertEquals("upstream_timeout", error(408, "", new DefaultHttpHeaders()).code());
    }

    @Test
    void retryAfterHeaderIsTheFallbackForRateLimits() {
        DefaultHttpHeaders h = new DefaultHttpHeaders();
        h.add("retry-after", "7");
        GatewayError e = error(429, "{\"error\":{\"code\":429,\"message\":\"slow down\",\"status\":\"RESOURCE_EXHAUSTED\"}}", h);
        assertEquals(Duration.ofSeconds(7), e.retryAfter());
        assertEquals(Duration.ofMillis(1500), GeminiErrors.protoDuration("1.5s"));
        assertNull(GeminiErrors.protoDuration("soon"));
        assertNull(GeminiErrors.protoDuration("-1s"));
    }

    @Test
    void keysInVendorMessagesAreRedacted() {
        GatewayError e = error(400, "{\"error\":{\"code\":400,\"message\":\"bad key AIzaSyA1234567890abcdefghijklmnopqrstu here\"}}",
                new DefaultHttpHeaders());
        assertEquals("bad key [redacted] here", e.message());
    }

    // ---- responses and embeddings ---------------------------------------------------------------

    @Test
    void anAnswerWithNeitherCandidatesNorABlockIsAnUpstreamFault() {
        ByteBuf b = Unpooled.copiedBuffer("{\"usageMetadata\":{}}", StandardCharsets.UTF_8);
        try {
            GatewayError e = assertThrows(TranslationException.class,
                    () -> adapter().chatResponse(Req.of().user("x").build(), b)).error();
            assertEquals(502, e.status());
            assertTrue(e.failover());
        } finally {
            b.release();
        }
    }

    @Test
    void errorObjectsInSuccessfulAnswersAreMappedByTheirOwnCode() {
        String error = "{\"error\":{\"code\":503,\"message\":\"overloaded\",\"status\":\"UNAVAILABLE\"}}";
        ByteBuf chat = Unpooled.copiedBuffer(error, StandardCharsets.UTF_8);
        ByteBuf embed = Unpooled.copiedBuffer(error, StandardCharsets.UTF_8);
        try {
            assertEquals("upstream_unavailable", assertThrows(TranslationException.class,
                    () -> adapter().chatResponse(Req.of().user("x").build(), chat)).error().code());
            EmbeddingsRequest one = new EmbeddingsRequest("e", List.of("a"), null, null, false, null);
            assertEquals("upstream_unavailable", assertThrows(TranslationException.class,
                    () -> adapter().embeddingsResponse(one, embed)).error().code());
        } finally {
            chat.release();
            embed.release();
        }
    }

    @Test
    void embeddingsLimits() {
        Target t = GeminiGoldenTest.TARGET;
        EmbeddingsRequest tokens = new EmbeddingsRequest("e", null, List.of(new int[] {1, 2}), null, false, null);
        assertEquals("unsupported_capability", assertThrows(TranslationException.class,
                () -> adapter().embeddingsRequest(tokens, t, ByteBufAllocator.DEFAULT)).error().code());
        EmbeddingsRequest many = new EmbeddingsRequest("e", Collections.nCopies(101, "x"), null, null, false, null);
        assertEquals("input", assertThrows(TranslationException.class,
                () -> adapter().embeddingsRequest(many, t, ByteBufAllocator.DEFAULT)).error().param());
        EmbeddingsRequest two = new EmbeddingsRequest("e", List.of("a", "b"), null, null, false, null);
        ByteBuf b = Unpooled.copiedBuffer("{\"embeddings\":[{\"values\":[1]}]}", StandardCharsets.UTF_8);
        try {
            assertEquals(502, assertThrows(TranslationException.class,
                    () -> adapter().embeddingsResponse(two, b)).error().status());
        } finally {
            b.release();
        }
    }
}
