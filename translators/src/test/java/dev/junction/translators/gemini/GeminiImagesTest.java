package dev.junction.translators.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.translators.model.ImagesRequest;
import dev.junction.translators.model.ImagesResponse;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gemini image models and Imagen: request translation and answer reading (wire-formats §3, §1.9). */
class GeminiImagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final GeminiImages images = new GeminiImages(new GeminiAdapter());

    private static Target target(String model, Map<String, String> options) {
        return new Target("gem", "gemini", "https://g", model, "k", Map.of(), options);
    }

    private static ImagesRequest req(String json) {
        ByteBuf b = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return OpenAiRequestDecoder.decodeImages(b, JsonLimits.DEFAULT);
        } finally {
            b.release();
        }
    }

    private JsonNode body(ImagesRequest r, Target t, Warnings w) throws Exception {
        UpstreamRequest u = images.request(r, t, ByteBufAllocator.DEFAULT, w);
        try {
            return JSON.readTree(u.body().toString(StandardCharsets.UTF_8));
        } finally {
            u.body().release();
        }
    }

    @Test
    void imagenByNameOrOptionGetsPredictWithSampleCount() throws Exception {
        ImagesRequest r = req("{\"model\":\"x\",\"prompt\":\"cat\",\"n\":4,\"size\":\"1792x1024\",\"output_format\":\"jpeg\"}");
        assertThrows(TranslationException.class, () -> images.request(r, target("imagen-4.0-generate-001", Map.of()),
                ByteBufAllocator.DEFAULT, new Warnings()), "7:4 is not an Imagen ratio");
        ImagesRequest ok = req("{\"model\":\"x\",\"prompt\":\"cat\",\"n\":4,\"size\":\"1024x576\",\"output_format\":\"jpeg\"}");
        Target t = target("my-tuned-model", Map.of("image-api", "predict"));
        UpstreamRequest u = images.request(ok, t, ByteBufAllocator.DEFAULT, new Warnings());
        assertEquals("/v1beta/models/my-tuned-model:predict", u.path());
        JsonNode b = JSON.readTree(u.body().toString(StandardCharsets.UTF_8));
        u.body().release();
        assertEquals(4, b.path("parameters").path("sampleCount").asInt());
        assertEquals("16:9", b.path("parameters").path("aspectRatio").asText());
        assertEquals("image/jpeg", b.path("parameters").path("outputOptions").path("mimeType").asText());
        assertEquals(1, images.calls(ok, t));
        TranslationException tooMany = assertThrows(TranslationException.class, () -> images.request(
                req("{\"model\":\"x\",\"prompt\":\"cat\",\"n\":5}"), t, ByteBufAllocator.DEFAULT, new Warnings()));
        assertEquals("n", tooMany.error().param());
    }

    @Test
    void geminiImageModelsAreOneCallPerImageAndRefuseOrDropWhatTheyLack() throws Exception {
        ImagesRequest r = req("{\"model\":\"x\",\"prompt\":\"cat\",\"n\":3,\"quality\":\"hd\",\"user\":\"u1\"}");
        Target t = target("gemini-2.5-flash-image", Map.of());
        assertEquals(3, images.calls(r, t));
        TranslationException e = assertThrows(TranslationException.class,
                () -> images.request(r, t, ByteBufAllocator.DEFAULT, new Warnings()));
        assertEquals("unsupported_capability", e.error().code());
        assertEquals("quality", e.error().param());
        Warnings w = new Warnings();
        JsonNode b = body(r, target("gemini-2.5-flash-image", Map.of("unsupported", "drop")), w);
        assertEquals("cat", b.path("contents").path(0).path("parts").path(0).path("text").asText());
        assertTrue(w.list().toString().contains("quality") && w.list().toString().contains("user"), w.list().toString());
        assertTrue(b.path("generationConfig").path("imageConfig").isMissingNode(), "no size, no aspect ratio");
    }

    @Test
    void readsInlineImagesAsSpansSkippingThoughtsAndEscapes() {
        String answer = "{\"candidates\":[{\"content\":{\"parts\":["
                + "{\"thought\":true,\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"ZHJhZnQ=\"}},"
                + "{\"text\":\"here\"},"
                + "{\"inlineData\":{\"mimeType\":\"image/jpeg\",\"data\":\"aW1h\\/Z2U=\"}}]},\"finishReason\":\"STOP\"}],"
                + "\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":1290}}";
        ByteBuf body = Unpooled.copiedBuffer(answer, StandardCharsets.UTF_8);
        try {
            ImagesResponse r = images.response(req("{\"model\":\"x\",\"prompt\":\"p\"}"),
                    target("gemini-2.5-flash-image", Map.of()), body);
            assertEquals(1, r.images().size(), "the thought's draft image is not a result");
            assertEquals("image/jpeg", r.images().get(0).mimeType());
            assertEquals("aW1h/Z2U=", r.images().get(0).base64().asString(), "an escaped base64 string is decoded");
            assertNull(r.images().get(0).url());
            assertEquals(7, r.usage().promptTokens());
            assertEquals(1290, r.usage().completionTokens());
        } finally {
            body.release();
        }
    }

    @Test
    void blockedAndFilteredAnswersAreContentFilter() {
        for (String answer : new String[] {
                "{\"promptFeedback\":{\"blockReason\":\"PROHIBITED_CONTENT\"}}",
                "{\"candidates\":[{\"content\":{\"parts\":[]},\"finishReason\":\"IMAGE_SAFETY\"}]}",
                "{\"predictions\":[{\"raiFilteredReason\":\"filtered\"}]}"}) {
            ByteBuf body = Unpooled.copiedBuffer(answer, StandardCharsets.UTF_8);
            try {
                TranslationException e = assertThrows(TranslationException.class, () -> images.response(
                        req("{\"model\":\"x\",\"prompt\":\"p\"}"), target("imagen-4", Map.of()), body));
                assertEquals("content_filter", e.error().code(), answer);
                assertEquals(400, e.error().status());
            } finally {
                body.release();
            }
        }
    }

    @Test
    void imagenPredictionsBecomeImages() {
        ByteBuf body = Unpooled.copiedBuffer("{\"predictions\":[{\"mimeType\":\"image/png\",\"bytesBase64Encoded\":\"QUJD\"},"
                + "{\"bytesBase64Encoded\":\"REVG\",\"mimeType\":\"image/jpeg\"}]}", StandardCharsets.UTF_8);
        try {
            ImagesResponse r = images.response(req("{\"model\":\"x\",\"prompt\":\"p\",\"n\":2}"), target("imagen-4", Map.of()), body);
            assertEquals(2, r.images().size());
            assertEquals("QUJD", r.images().get(0).base64().asString());
            assertEquals("image/jpeg", r.images().get(1).mimeType());
            assertNull(r.usage());
        } finally {
            body.release();
        }
    }
}
