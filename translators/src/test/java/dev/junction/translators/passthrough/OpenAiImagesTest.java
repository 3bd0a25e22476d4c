package dev.junction.translators.passthrough;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.ImagesRequest;
import dev.junction.translators.model.ImagesResponse;
import dev.junction.translators.openai.ImagesEncoder;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import dev.junction.translators.spi.ImageGenerator;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Images on OpenAI-shaped vendors, and the client's ImagesResponse (wire-formats §1.9). */
class OpenAiImagesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static ImagesRequest req(String json) {
        ByteBuf b = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return OpenAiRequestDecoder.decodeImages(b, JsonLimits.DEFAULT);
        } finally {
            b.release();
        }
    }

    @Test
    void decoderChecksWhatOpenAiChecks() {
        assertEquals("missing_field", assertThrows(TranslationException.class, () -> req("{\"model\":\"m\"}")).error().code());
        assertEquals("n", assertThrows(TranslationException.class,
                () -> req("{\"model\":\"m\",\"prompt\":\"p\",\"n\":11}")).error().param());
        assertEquals("response_format", assertThrows(TranslationException.class,
                () -> req("{\"model\":\"m\",\"prompt\":\"p\",\"response_format\":\"png\"}")).error().param());
        assertEquals("stream", assertThrows(TranslationException.class,
                () -> req("{\"model\":\"m\",\"prompt\":\"p\",\"stream\":true}")).error().param());
        ImagesRequest ok = req("{\"model\":\"m\",\"prompt\":\"p\",\"response_format\":\"url\",\"user\":null}");
        assertTrue(ok.wantsUrl());
        assertFalse(ok.raw().has("user"), "null counts as not sent");
    }

    @Test
    void requestKeepsUnknownFieldsReplacesModelAndDropsResponseFormat() throws Exception {
        ImageGenerator g = VendorRegistry.images("azure-openai");
        ImagesRequest r = req("{\"model\":\"alias\",\"prompt\":\"p\",\"response_format\":\"url\",\"moderation\":\"low\"}");
        UpstreamRequest u = g.request(r, new Target("az", "azure-openai", "https://x", "img-deploy", "key", Map.of(),
                Map.of()), ByteBufAllocator.DEFAULT, new Warnings());
        JsonNode b = JSON.readTree(u.body().toString(StandardCharsets.UTF_8));
        u.body().release();
        assertEquals("/openai/deployments/img-deploy/images/generations?api-version=2024-10-21", u.path());
        assertEquals("img-deploy", b.path("model").asText());
        assertEquals("low", b.path("moderation").asText());
        assertFalse(b.has("response_format"));
        assertTrue(u.headers().contains(Map.entry("api-key", "key")));
    }

    @Test
    void answerIsReadAsSpansAndReencodedAsSlices() throws Exception {
        ImageGenerator g = VendorRegistry.images("openai");
        String vendor = "{\"created\":1,\"data\":[{\"b64_json\":\"QUJDRA==\"},{\"url\":\"https://v/x.png\",\"revised_prompt\":\"rp\"}],"
                + "\"output_format\":\"webp\",\"usage\":{\"input_tokens\":3,\"output_tokens\":100,\"total_tokens\":103}}";
        ByteBuf body = Unpooled.copiedBuffer(vendor, StandardCharsets.UTF_8);
        try {
            ImagesResponse r = g.response(req("{\"model\":\"m\",\"prompt\":\"p\"}"),
                    new Target("oa", "openai", "https://o", "gpt-image-1", "k", Map.of(), Map.of()), body);
            assertEquals(2, r.images().size());
            assertEquals("image/webp", r.images().get(0).mimeType());
            assertEquals("https://v/x.png", r.images().get(1).url());
            assertEquals(100, r.usage().completionTokens());
            ByteBuf out = ImagesEncoder.encode(5, List.of(new ImagesEncoder.Item(r.images().get(0).base64(), null, null),
                    new ImagesEncoder.Item(null, "http://gw/v1/media/media_x", "rp")), "webp", r.usage(), ByteBufAllocator.DEFAULT);
            try {
                JsonNode client = JSON.readTree(out.toString(StandardCharsets.UTF_8));
                assertEquals("QUJDRA==", client.path("data").path(0).path("b64_json").asText());
                assertEquals("http://gw/v1/media/media_x", client.path("data").path(1).path("url").asText());
                assertEquals("rp", client.path("data").path(1).path("revised_prompt").asText());
                assertEquals(103, client.path("usage").path("total_tokens").asInt());
            } finally {
                out.release();
            }
        } finally {
            body.release();
        }
    }
}
