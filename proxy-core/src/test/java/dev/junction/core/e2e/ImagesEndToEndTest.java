package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.images.ImagesResponse;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/images/generations} end to end, with the official openai-java SDK where it shows
 * what matters and raw HTTP where it hides it: each image vendor (OpenAI GPT image and dall-e,
 * Gemini image model, Imagen), {@code b64_json} and {@code url} answers, the media URL served by
 * Junction with ranges and ETag, failover, the {@code images} capability filter, and content
 * filtering. Every answer body is validated against OpenAI's schema.
 */
class ImagesEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G'};

    @TempDir
    Path media;
    private GatewayFixture fx;
    private OpenAIClient sdk;

    @BeforeEach
    void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().geminiKey("gm-key-0123456789").build(), """
                junction {
                  server { port = 0 }
                  tasks { media-dir = "%s", media-retention = 1h }
                  providers {
                    oa   { type = openai, base-url = "SIM/v1", api-key = "sk-sim-0123456789" }
                    gem  { type = gemini, base-url = "SIM", api-key = "gm-key-0123456789" }
                    dead { type = openai, base-url = "http://127.0.0.1:1/v1", api-key = "sk-dead-0123456789" }
                    ant  { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
                  }
                  models {
                    "gpt-image" { deployments = [ { provider = oa, model = "gpt-image-1" } ] }
                    "dalle"     { deployments = [ { provider = oa, model = "dall-e-3" } ] }
                    "nano"      { deployments = [ { provider = gem, model = "gemini-2.5-flash-image" } ] }
                    "imagen"    { deployments = [ { provider = gem, model = "imagen-4.0-generate-001" } ] }
                    "fallback"  { strategy = priority, deployments = [ { provider = dead, model = "gpt-image-1" },
                                                                       { provider = oa, model = "gpt-image-1" } ] }
                    "mixed"     { deployments = [ { provider = ant, model = "claude-haiku-4-5" } ] }
                  }
                }""".formatted(media.toString().replace("\\", "/")));
        sdk = fx.sdk();
    }

    @AfterEach
    void stop() {
        sdk.close();
        fx.close();
    }

    @Test
    void gptImageAnswersBase64ThroughTheSdkAndNeverSendsResponseFormatUpstream() throws Exception {
        ImagesResponse r = sdk.images().generate(ImageGenerateParams.builder().model("gpt-image").prompt("a red fox")
                .size(ImageGenerateParams.Size._1024X1024).build());
        assertEquals(1, r.data().orElseThrow().size());
        byte[] png = Base64.getDecoder().decode(r.data().orElseThrow().get(0).b64Json().orElseThrow());
        assertPng(png, 1024, 1024);
        assertTrue(r.usage().isPresent(), "GPT image usage is passed on");

        HttpResponse<String> raw = post("/v1/images/generations",
                "{\"model\":\"gpt-image\",\"prompt\":\"a red fox\",\"response_format\":\"b64_json\",\"size\":\"256x256\"}");
        assertEquals(200, raw.statusCode(), raw.body());
        OpenAiSchema.assertValid("ImagesResponse", raw.body());
        RecordedRequest sent = last("/v1/images/generations");
        JsonNode upstream = JSON.readTree(sent.body());
        assertEquals("gpt-image-1", upstream.path("model").asText());
        assertFalse(upstream.has("response_format"), "GPT image models reject response_format: " + upstream);
        assertEquals("256x256", upstream.path("size").asText());
    }

    @Test
    void urlAnswerPointsAtJunctionAndIsServedWithRangesAndEtag() throws Exception {
        ImagesResponse r = sdk.images().generate(ImageGenerateParams.builder().model("gpt-image").prompt("a blue whale")
                .responseFormat(ImageGenerateParams.ResponseFormat.URL).build());
        String url = r.data().orElseThrow().get(0).url().orElseThrow();
        assertTrue(url.startsWith(fx.root() + "/v1/media/media_"), url);
        assertFalse(r.data().orElseThrow().get(0).b64Json().isPresent());

        HttpResponse<byte[]> whole = get(url, null);
        assertEquals(200, whole.statusCode());
        byte[] png = whole.body();
        assertPng(png, 1024, 1024);
        assertEquals("image/png", whole.headers().firstValue("content-type").orElseThrow());
        assertEquals(Long.toString(png.length), whole.headers().firstValue("content-length").orElseThrow());
        assertEquals("bytes", whole.headers().firstValue("accept-ranges").orElseThrow());
        String etag = whole.headers().firstValue("etag").orElseThrow();

        HttpResponse<byte[]> part = get(url, "bytes=5-104");
        assertEquals(206, part.statusCode());
        assertArrayEquals(Arrays.copyOfRange(png, 5, 105), part.body());
        assertEquals("bytes 5-104/" + png.length, part.headers().firstValue("content-range").orElseThrow());

        HttpResponse<byte[]> tail = get(url, "bytes=-10");
        assertEquals(206, tail.statusCode());
        assertArrayEquals(Arrays.copyOfRange(png, png.length - 10, png.length), tail.body());

        HttpResponse<byte[]> beyond = get(url, "bytes=" + png.length + "-");
        assertEquals(416, beyond.statusCode());
        assertEquals("bytes */" + png.length, beyond.headers().firstValue("content-range").orElseThrow());

        HttpResponse<byte[]> cached = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("If-None-Match", etag).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(304, cached.statusCode());

        try (var files = Files.list(media)) {
            assertEquals(2, files.filter(p -> p.getFileName().toString().startsWith("media_")).count(),
                    "one file and its sidecar in the media directory");
        }
        HttpResponse<byte[]> unknown = get(fx.root() + "/v1/media/media_00000000000000000000000000000000", null);
        assertEquals(404, unknown.statusCode());
        assertEquals("media_not_found", JSON.readTree(unknown.body()).path("error").path("code").asText());
    }

    @Test
    void dallEVendorUrlIsCopiedNeverHandedOut() throws Exception {
        HttpResponse<String> raw = post("/v1/images/generations", "{\"model\":\"dalle\",\"prompt\":\"a lighthouse\"}");
        assertEquals(200, raw.statusCode(), raw.body());
        OpenAiSchema.assertValid("ImagesResponse", raw.body());
        JsonNode item = JSON.readTree(raw.body()).path("data").path(0);
        assertPng(Base64.getDecoder().decode(item.path("b64_json").asText()), 1024, 1024);
        assertTrue(item.path("revised_prompt").asText().contains("a lighthouse"));

        HttpResponse<String> asUrl = post("/v1/images/generations",
                "{\"model\":\"dalle\",\"prompt\":\"a lighthouse\",\"response_format\":\"url\"}");
        String url = JSON.readTree(asUrl.body()).path("data").path(0).path("url").asText();
        assertTrue(url.startsWith(fx.root() + "/v1/media/"), "a Junction URL, not the vendor's: " + url);
        assertPng(get(url, null).body(), 1024, 1024);
    }

    @Test
    void geminiImageModelMakesOneImagePerCallWithTheAspectRatioOfSize() throws Exception {
        ImagesResponse r = sdk.images().generate(ImageGenerateParams.builder().model("nano").prompt("a castle").n(2)
                .size(ImageGenerateParams.Size._1536X1024).build());
        assertEquals(2, r.data().orElseThrow().size());
        for (var img : r.data().orElseThrow()) {
            assertPng(Base64.getDecoder().decode(img.b64Json().orElseThrow()), 1024, 682);
        }
        List<RecordedRequest> calls = fx.sim.requests().stream()
                .filter(q -> q.uri().contains("gemini-2.5-flash-image:generateContent")).toList();
        assertEquals(2, calls.size(), "n=2 on a one-image-per-call model is two calls");
        JsonNode body = JSON.readTree(calls.get(0).body());
        assertEquals("3:2", body.path("generationConfig").path("imageConfig").path("aspectRatio").asText());
        assertEquals("IMAGE", body.path("generationConfig").path("responseModalities").path(1).asText());
    }

    @Test
    void imagenPredictsWithSampleCountAndRefusesSizesItCannotMake() throws Exception {
        HttpResponse<String> raw = post("/v1/images/generations",
                "{\"model\":\"imagen\",\"prompt\":\"a forest\",\"n\":3,\"size\":\"1024x1792\"}");
        assertEquals(400, raw.statusCode(), raw.body());
        JsonNode err = JSON.readTree(raw.body()).path("error");
        assertEquals("size", err.path("param").asText());
        assertTrue(err.path("message").asText().contains("1024x1792"), err.toString());

        raw = post("/v1/images/generations", "{\"model\":\"imagen\",\"prompt\":\"a forest\",\"n\":3,\"size\":\"1024x1024\"}");
        assertEquals(200, raw.statusCode(), raw.body());
        OpenAiSchema.assertValid("ImagesResponse", raw.body());
        assertEquals(3, JSON.readTree(raw.body()).path("data").size());
        // Priced per image made (the catalog's Imagen 4 per-image 0.04 USD).
        assertEquals(3 * 0.04, Double.parseDouble(raw.headers().firstValue("x-junction-cost-usd").orElseThrow()), 1e-9);
        JsonNode sent = JSON.readTree(last(":predict").body());
        assertEquals(3, sent.path("parameters").path("sampleCount").asInt());
        assertEquals("1:1", sent.path("parameters").path("aspectRatio").asText());
        assertEquals("a forest", sent.path("instances").path(0).path("prompt").asText());
    }

    @Test
    void filteredPromptsAreContentFilterErrors() throws Exception {
        for (String alias : List.of("nano", "imagen")) {
            HttpResponse<String> raw = post("/v1/images/generations",
                    "{\"model\":\"" + alias + "\",\"prompt\":\"something [[sim filter]]\"}");
            assertEquals(400, raw.statusCode(), alias + ": " + raw.body());
            assertEquals("content_filter", JSON.readTree(raw.body()).path("error").path("code").asText(), alias);
        }
    }

    @Test
    void failsOverAndFiltersByCapabilityLikeChat() throws Exception {
        HttpResponse<String> raw = post("/v1/images/generations", "{\"model\":\"fallback\",\"prompt\":\"a boat\"}");
        assertEquals(200, raw.statusCode(), raw.body());
        assertEquals("oa", raw.headers().firstValue("x-junction-provider").orElseThrow());
        assertEquals("2", raw.headers().firstValue("x-junction-attempts").orElseThrow());

        HttpResponse<String> none = post("/v1/images/generations", "{\"model\":\"mixed\",\"prompt\":\"a boat\"}");
        assertEquals(400, none.statusCode(), none.body());
        assertEquals("unsupported_capability", JSON.readTree(none.body()).path("error").path("code").asText());

        HttpResponse<String> upstreamError = post("/v1/images/generations",
                "{\"model\":\"gpt-image\",\"prompt\":\"x [[sim status=429 retry-after=1]]\"}");
        assertEquals(429, upstreamError.statusCode(), upstreamError.body());
        assertEquals("upstream_rate_limited", JSON.readTree(upstreamError.body()).path("error").path("code").asText());

        HttpResponse<String> bad = post("/v1/images/generations", "{\"model\":\"gpt-image\"}");
        assertEquals(400, bad.statusCode());
        assertEquals("missing_field", JSON.readTree(bad.body()).path("error").path("code").asText());
    }

    private static void assertPng(byte[] png, int w, int h) {
        assertNotNull(png);
        assertArrayEquals(PNG_MAGIC, Arrays.copyOf(png, 4), "PNG signature");
        int width = ((png[16] & 0xff) << 24) | ((png[17] & 0xff) << 16) | ((png[18] & 0xff) << 8) | (png[19] & 0xff);
        int height = ((png[20] & 0xff) << 24) | ((png[21] & 0xff) << 16) | ((png[22] & 0xff) << 8) | (png[23] & 0xff);
        assertEquals(w, width);
        assertEquals(h, height);
    }

    private RecordedRequest last(String pathPart) {
        List<RecordedRequest> all = fx.sim.requests();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).uri().contains(pathPart)) {
                return all.get(i);
            }
        }
        throw new AssertionError("no request to " + pathPart);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(fx.root() + path)).timeout(Duration.ofSeconds(20))
                        .header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<byte[]> get(String url, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
        if (range != null) {
            b.header("Range", range);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
