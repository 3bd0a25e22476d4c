package dev.junction.translators.runway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.translators.VendorRegistry;
import dev.junction.translators.model.VideoRequest;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.VideoStatus;
import dev.junction.translators.spi.VideoVendor;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The three video vendors: seconds/size translation and state mapping (wire-formats §1.10, §7). */
class VideoVendorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Target target(String type, String model) {
        return new Target("p", type, "https://v", model, "key-123", Map.of(), Map.of());
    }

    private static JsonNode body(UpstreamRequest u) throws Exception {
        try {
            return JSON.readTree(u.body().toString(StandardCharsets.UTF_8));
        } finally {
            u.body().release();
        }
    }

    private static VideoStatus status(VideoVendor v, String json) {
        ByteBuf b = Unpooled.copiedBuffer(json, StandardCharsets.UTF_8);
        try {
            return v.status(b);
        } finally {
            b.release();
        }
    }

    @Test
    void runwayTranslatesSecondsAndSizeStrictly() throws Exception {
        VideoVendor rw = VendorRegistry.videos("runway");
        UpstreamRequest u = rw.create(new VideoRequest("a", "waves", "10", "1280x720", "image/png", "QUJD"),
                target("runway", "gen4_turbo"), ByteBufAllocator.DEFAULT);
        assertEquals("/v1/image_to_video", u.path());
        assertTrue(u.headers().contains(Map.entry("x-runway-version", "2024-11-06")));
        JsonNode b = body(u);
        assertEquals(10, b.path("duration").asInt());
        assertEquals("1280:720", b.path("ratio").asText());
        assertEquals("data:image/png;base64,QUJD", b.path("promptImage").asText());
        TranslationException s = assertThrows(TranslationException.class, () -> rw.create(
                new VideoRequest("a", "w", "8", null, null, null), target("runway", "m"), ByteBufAllocator.DEFAULT));
        assertEquals("seconds", s.error().param());
        assertTrue(s.error().message().contains("[5, 10]"), s.error().message());
        TranslationException z = assertThrows(TranslationException.class, () -> rw.create(
                new VideoRequest("a", "w", null, "1792x1024", null, null), target("runway", "m"), ByteBufAllocator.DEFAULT));
        assertEquals("size", z.error().param());
        UpstreamRequest text = rw.create(new VideoRequest("a", "w", null, null, null, null), target("runway", "m"),
                ByteBufAllocator.DEFAULT);
        text.body().release();
        assertEquals("/v1/text_to_video", text.path());
    }

    @Test
    void runwayStatesMapAsWireFormatsSeven() {
        VideoVendor rw = VendorRegistry.videos("runway");
        assertEquals(new VideoStatus.Pending(0, false), status(rw, "{\"status\":\"THROTTLED\"}"));
        assertEquals(new VideoStatus.Pending(42, true), status(rw, "{\"status\":\"RUNNING\",\"progress\":0.42}"));
        assertEquals("https://o/x.mp4", ((VideoStatus.Done) status(rw, "{\"status\":\"SUCCEEDED\",\"output\":[\"https://o/x.mp4\"]}"))
                .outputs().get(0));
        assertEquals("content_filter", ((VideoStatus.Failed) status(rw,
                "{\"status\":\"FAILED\",\"failure\":\"no\",\"failureCode\":\"SAFETY.INPUT.TEXT\"}")).code());
        assertInstanceOf(VideoStatus.Failed.class, status(rw, "{\"status\":\"CANCELLED\"}"));
        assertNull(rw.download("id", new VideoStatus.Done(java.util.List.of("u")), "thumbnail", target("runway", "m")));
    }

    @Test
    void veoMapsSizeToAspectRatioAndResolutionAndReadsOperations() throws Exception {
        VideoVendor veo = VendorRegistry.videos("gemini");
        UpstreamRequest u = veo.create(new VideoRequest("a", "a cat", "6", "720x1280", "image/jpeg", "REVG"),
                target("gemini", "veo-3.0-generate-001"), ByteBufAllocator.DEFAULT);
        assertEquals("/v1beta/models/veo-3.0-generate-001:predictLongRunning", u.path());
        JsonNode b = body(u);
        assertEquals(6, b.path("parameters").path("durationSeconds").asInt());
        assertEquals("9:16", b.path("parameters").path("aspectRatio").asText());
        assertEquals("720p", b.path("parameters").path("resolution").asText());
        assertEquals("REVG", b.path("instances").path(0).path("image").path("bytesBase64Encoded").asText());
        assertEquals("seconds", assertThrows(TranslationException.class, () -> veo.create(
                new VideoRequest("a", "x", "12", null, null, null), target("gemini", "veo"), ByteBufAllocator.DEFAULT))
                .error().param());
        assertEquals("size", assertThrows(TranslationException.class, () -> veo.create(
                new VideoRequest("a", "x", null, "1024x1792", null, null), target("gemini", "veo"), ByteBufAllocator.DEFAULT))
                .error().param());

        assertEquals(new VideoStatus.Pending(null, true), status(veo, "{\"name\":\"models/v/operations/1\"}"));
        VideoStatus done = status(veo, "{\"name\":\"n\",\"done\":true,\"response\":{\"generateVideoResponse\":"
                + "{\"generatedSamples\":[{\"video\":{\"uri\":\"https://v/files/abc:download?alt=media\"}}]}}}");
        VideoVendor.Download d = veo.download("n", (VideoStatus.Done) done, "video", target("gemini", "veo"));
        assertEquals("https://v/files/abc:download?alt=media", d.url());
        assertTrue(d.headers().contains(Map.entry("x-goog-api-key", "key-123")), "the file needs the key");
        assertEquals("content_filter", ((VideoStatus.Failed) status(veo, "{\"done\":true,\"response\":{\"generateVideoResponse\":"
                + "{\"raiMediaFilteredCount\":1,\"raiMediaFilteredReasons\":[\"x\"]}}}")).code());
        VideoStatus.Failed f = (VideoStatus.Failed) status(veo, "{\"done\":true,\"error\":{\"code\":13,\"message\":\"boom\",\"status\":\"INTERNAL\"}}");
        assertTrue(f.retryable());
        assertNull(veo.cancel("n", target("gemini", "veo"), ByteBufAllocator.DEFAULT), "no cancellation on the Gemini API");
    }

    @Test
    void openAiShapedVideosPassThrough() throws Exception {
        VideoVendor oa = VendorRegistry.videos("openai-compatible");
        UpstreamRequest u = oa.create(new VideoRequest("alias", "a dog", "8", "1280x720", null, null),
                target("openai-compatible", "sora-2"), ByteBufAllocator.DEFAULT);
        assertEquals("/videos", u.path());
        JsonNode b = body(u);
        assertEquals("sora-2", b.path("model").asText());
        assertEquals("8", b.path("seconds").asText());
        assertEquals(new VideoStatus.Pending(37, true), status(oa, "{\"id\":\"v1\",\"status\":\"in_progress\",\"progress\":37}"));
        assertEquals("content_filter", ((VideoStatus.Failed) status(oa,
                "{\"id\":\"v1\",\"status\":\"failed\",\"error\":{\"code\":\"moderation_blocked\",\"message\":\"no\"}}")).code());
        VideoVendor.Download d = oa.download("v1", new VideoStatus.Done(java.util.List.of("v1")), "thumbnail",
                target("openai-compatible", "sora-2"));
        assertEquals("/videos/v1/content?variant=thumbnail", d.url());
        assertEquals("image/webp", d.mimeType());
        assertEquals("DELETE", oa.cancel("v1", target("openai", "sora-2"), ByteBufAllocator.DEFAULT).method());
    }
}
