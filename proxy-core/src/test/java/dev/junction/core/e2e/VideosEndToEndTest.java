package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponse;
import com.openai.models.videos.Video;
import com.openai.models.videos.VideoCreateParams;
import com.openai.models.videos.VideoDownloadContentParams;
import com.openai.models.videos.VideoModel;
import com.openai.models.videos.VideoSeconds;
import com.openai.models.videos.VideoSize;
import com.standardwebhooks.Webhook;
import dev.junction.simulator.RecordedRequest;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code /v1/videos} end to end over the task engine, with the official openai-java SDK (its
 * {@code videos()} service) and raw HTTP for ranges and multipart: the whole life cycle on each
 * video vendor (Veo operations, an OpenAI-videos-shaped server, Runway tasks), the stored file
 * compared byte for byte with what the vendor served, a {@code Range} read, per-vendor 400s,
 * content filtering, another key's video, deletion.
 */
class VideosEndToEndTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final String KEY_A = "sk-junction-a-0123456789";
    private static final String KEY_B = "sk-junction-b-0123456789";
    private static final String KEY_ADMIN = "sk-junction-admin-0123456789";
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    @TempDir
    Path dir;
    private GatewayFixture fx;
    private OpenAIClient sdk;

    @BeforeEach
    void start() throws Exception {
        fx = GatewayFixture.start(SimulatorOptions.builder().geminiKey("gm-key-0123456789").build(), """
                junction {
                  server { port = 0 }
                  auth { keys = [ { name = a, key = "%s" }, { name = b, key = "%s", budget-usd-per-day = 1 },
                                   { name = adm, key = "%s", admin = true } ] }
                  tasks { path = "%s/tasks.db", media-dir = "%s/media", poll { initial = 100ms, max = 300ms },
                          webhooks { secret = "%s", allow = ["127.0.0.1"] } }
                  limits { path = "%s/limits.db" }
                  providers {
                    oa  { type = openai-compatible, base-url = "SIM/v1", api-key = "sk-sim-0123456789" }
                    gem { type = gemini, base-url = "SIM", api-key = "gm-key-0123456789" }
                    rw  { type = runway, base-url = "SIM/runway", api-key = "rw-key-0123456789" }
                  }
                  models {
                    "sora"   { deployments = [ { provider = oa,  model = "sora-2" } ] }
                    "veo"    { deployments = [ { provider = gem, model = "veo-3.0-generate-001" } ] }
                    "runway" { deployments = [ { provider = rw,  model = "gen4_turbo" } ] }
                  }
                }""".formatted(KEY_A, KEY_B, KEY_ADMIN, dir, dir, SECRET, dir));
        sdk = OpenAIOkHttpClient.builder().baseUrl(fx.baseUrl()).apiKey(KEY_A).maxRetries(0)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @AfterEach
    void stop() {
        sdk.close();
        fx.close();
    }

    @Test
    void veoLifeCycleWithTheSdk() throws Exception {
        lifeCycle("veo", VideoSeconds.of("6"), VideoSize._1280X720, "operations/");
        RecordedRequest create = last(":predictLongRunning");
        JsonNode body = JSON.readTree(create.body());
        assertEquals(6, body.path("parameters").path("durationSeconds").asInt());
        assertEquals("16:9", body.path("parameters").path("aspectRatio").asText());
        assertTrue(fx.sim.requests().stream().anyMatch(r -> r.uri().contains("/v1beta/files/")
                        && "gm-key-0123456789".equals(first(r, "x-goog-api-key"))),
                "the Veo file is downloaded with the key");
    }

    @Test
    void openAiShapedLifeCycleWithThumbnail() throws Exception {
        String id = lifeCycle("sora", VideoSeconds._8, VideoSize._720X1280, "/v1/videos/");
        java.net.http.HttpResponse<byte[]> thumb = get("/v1/videos/" + id + "/content?variant=thumbnail", KEY_A, null);
        assertEquals(200, thumb.statusCode());
        assertEquals("image/webp", thumb.headers().firstValue("content-type").orElseThrow());
        assertEquals('R', thumb.body()[0]);
    }

    @Test
    void runwayLifeCycleAndStrictSeconds() throws Exception {
        lifeCycle("runway", VideoSeconds.of("10"), VideoSize._1280X720, "/runway/v1/tasks/");
        JsonNode created = JSON.readTree(last("/runway/v1/text_to_video").body());
        assertEquals(10, created.path("duration").asInt());
        assertEquals("1280:720", created.path("ratio").asText());

        java.net.http.HttpResponse<String> bad = post("{\"model\":\"runway\",\"prompt\":\"x\",\"seconds\":\"8\"}", KEY_A);
        assertEquals(400, bad.statusCode(), bad.body());
        JsonNode err = JSON.readTree(bad.body()).path("error");
        assertEquals("seconds", err.path("param").asText());
        assertTrue(err.path("message").asText().contains("[5, 10]"), err.toString());
        java.net.http.HttpResponse<String> size = post("{\"model\":\"veo\",\"prompt\":\"x\",\"size\":\"1792x1024\"}", KEY_A);
        assertEquals(400, size.statusCode(), size.body());
        assertEquals("size", JSON.readTree(size.body()).path("error").path("param").asText());
    }

    @Test
    void multipartInputReferenceBecomesRunwayImageToVideo() throws Exception {
        String boundary = "----junction" + System.nanoTime();
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 1, 2, 3};
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nrunway\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"prompt\"\r\n\r\nthe sea [[sim duration=300ms]]\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"seconds\"\r\n\r\n5\r\n"
                + "--" + boundary + "\r\nContent-Disposition: form-data; name=\"input_reference\"; filename=\"ref.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n";
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] body = concat(head.getBytes(StandardCharsets.US_ASCII), png, tail);
        java.net.http.HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(fx.root() + "/v1/videos"))
                .header("authorization", "Bearer " + KEY_A)
                .header("content-type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        String id = JSON.readTree(r.body()).path("id").asText();
        waitFor(id, "completed");
        JsonNode sent = JSON.readTree(last("/runway/v1/image_to_video").body());
        assertEquals("data:image/png;base64," + java.util.Base64.getEncoder().encodeToString(png),
                sent.path("promptImage").asText());
    }

    @Test
    void filteredVideoFailsWithContentFilterAndContentIsNotReady() throws Exception {
        for (String alias : List.of("veo", "runway", "sora")) {
            Video v = sdk.videos().create(VideoCreateParams.builder().model(VideoModel.of(alias))
                    .prompt("a scene [[sim duration=300ms filter]]").build());
            java.net.http.HttpResponse<byte[]> early = get("/v1/videos/" + v.id() + "/content", KEY_A, null);
            assertEquals(409, early.statusCode(), alias);
            assertEquals("video_not_ready", JSON.readTree(early.body()).path("error").path("code").asText());
            Video failed = waitFor(v.id(), "failed");
            assertEquals("content_filter", failed.error().orElseThrow().code(), alias);
        }
    }

    @Test
    void videosAreVisibleOnlyToTheirKeyAndDeletable() throws Exception {
        Video v = sdk.videos().create(VideoCreateParams.builder().model(VideoModel.of("sora"))
                .prompt("a cat [[sim duration=200ms bytes=5000]]").build());
        assertEquals(404, get("/v1/videos/" + v.id(), KEY_B, null).statusCode());
        assertEquals(404, get("/v1/videos/" + v.id() + "/content", KEY_B, null).statusCode());
        waitFor(v.id(), "completed");
        java.net.http.HttpResponse<byte[]> asTask = get("/v1/tasks/" + v.id(), KEY_A, null);
        assertEquals(200, asTask.statusCode());
        assertEquals("succeeded", JSON.readTree(asTask.body()).path("status").asText());
        Set<String> listed = new TreeSet<>();
        sdk.videos().list().data().forEach(x -> listed.add(x.id()));
        assertTrue(listed.contains(v.id()), listed.toString());
        assertTrue(sdk.videos().delete(v.id()).deleted());
        assertEquals(404, get("/v1/videos/" + v.id(), KEY_A, null).statusCode());
    }

    @Test
    void aFinishedVideoIsChargedPerSecondToItsKeyBudgetMetricsAndTask() throws Exception {
        // Veo at the catalog's 0.40 USD per second; no seconds asked, so Veo's 8 s: 3.20 USD.
        java.net.http.HttpResponse<String> created = post("{\"model\":\"veo\",\"prompt\":\"rain [[sim duration=200ms]]\"}", KEY_B);
        assertEquals(200, created.statusCode(), created.body());
        String id = JSON.readTree(created.body()).path("id").asText();
        JsonNode task = waitForTask(id, KEY_B);
        assertEquals(3.2, task.path("response").path("headers").path("x-junction-cost-usd").asDouble(), 1e-9, task.toString());
        assertEquals("gem", task.path("response").path("headers").path("x-junction-provider").asText());

        String metrics = new String(get("/metrics", KEY_ADMIN, null).body(), StandardCharsets.UTF_8);
        assertTrue(metrics.contains("junction_cost_usd_total{alias=\"veo\",deployment=\"gem/veo-3.0-generate-001\",key=\"b\"} 3.2\n"),
                metrics);
        assertTrue(metrics.contains("junction_key_spend_usd{key=\"b\",period=\"day\"} 3.2\n"), metrics);

        // The day's budget (1 USD) is spent: the next video of this key is refused before any task exists.
        java.net.http.HttpResponse<String> refused = post("{\"model\":\"veo\",\"prompt\":\"more rain\"}", KEY_B);
        assertEquals(429, refused.statusCode(), refused.body());
        assertEquals("budget_exceeded", JSON.readTree(refused.body()).path("error").path("code").asText());
        assertEquals(1, fx.sim.requests().stream().filter(r -> r.uri().contains(":predictLongRunning")).count());
    }

    @Test
    void omittedSecondsAndSizeAreAnsweredAsTheVendorMakesThem() throws Exception {
        String[][] cases = {{"veo", "8", "1280x720"}, {"runway", "5", "1280x720"}, {"sora", "4", "720x1280"}};
        for (String[] c : cases) {
            java.net.http.HttpResponse<String> created = post("{\"model\":\"" + c[0]
                    + "\",\"prompt\":\"fog [[sim duration=200ms]]\"}", KEY_A);
            assertEquals(200, created.statusCode(), created.body());
            JsonNode v = JSON.readTree(created.body());
            assertEquals(c[1], v.path("seconds").asText(), c[0] + ": " + v);
            assertEquals(c[2], v.path("size").asText(), c[0] + ": " + v);
            Video done = waitFor(v.path("id").asText(), "completed");
            assertEquals(c[1], done.seconds().asString(), c[0]);
            assertEquals(c[2], done.size().asString(), c[0]);
        }
        assertEquals("1280:720", JSON.readTree(last("/runway/v1/text_to_video").body()).path("ratio").asText());
        JsonNode veo = JSON.readTree(last(":predictLongRunning").body()).path("parameters");
        assertEquals("16:9", veo.path("aspectRatio").asText());
        assertEquals("720p", veo.path("resolution").asText());
    }

    @Test
    void videosPushSignedVideoCompletedAndVideoFailedWebhooks() throws Exception {
        try (MockWebServer receiver = new MockWebServer()) {
            receiver.start();
            String hook = "http://127.0.0.1:" + receiver.getPort() + "/hooks";
            Video ok = sdk.videos().create(VideoCreateParams.builder().model(VideoModel.of("runway"))
                    .prompt("a lighthouse [[sim duration=200ms]]").putAdditionalHeader("x-junction-webhook-url", hook).build());
            Video bad = sdk.videos().create(VideoCreateParams.builder().model(VideoModel.of("veo"))
                    .prompt("a lighthouse [[sim duration=200ms filter]]").putAdditionalHeader("x-junction-webhook-url", hook)
                    .build());
            java.util.Map<String, JsonNode> events = new java.util.HashMap<>();
            Webhook verifier = new Webhook(SECRET);
            for (int i = 0; i < 2; i++) {
                okhttp3.mockwebserver.RecordedRequest d = receiver.takeRequest(20, java.util.concurrent.TimeUnit.SECONDS);
                assertTrue(d != null, "a webhook for each video");
                String body = d.getBody().readUtf8();
                verifier.verify(body, d.getHeaders().toMultimap());
                JsonNode e = JSON.readTree(body);
                events.put(e.path("data").path("id").asText(), e);
            }
            JsonNode completed = events.get(ok.id());
            assertEquals("video.completed", completed.path("type").asText(), completed.toString());
            assertEquals("video", completed.path("data").path("object").asText());
            assertEquals("completed", completed.path("data").path("status").asText());
            assertEquals("runway", completed.path("data").path("model").asText());
            assertEquals("5", completed.path("data").path("seconds").asText());
            JsonNode failed = events.get(bad.id());
            assertEquals("video.failed", failed.path("type").asText(), failed.toString());
            assertEquals("content_filter", failed.path("data").path("error").path("code").asText());
        }
    }

    @Test
    void cancellingARunningVideoStopsPollingAndCancelsTheJobWhereTheVendorCan() throws Exception {
        String[][] cases = {{"veo", "/operations/"}, {"runway", "/runway/v1/tasks/"}};
        for (String[] c : cases) {
            Video v = sdk.videos().create(VideoCreateParams.builder().model(VideoModel.of(c[0]))
                    .prompt("a long take [[sim duration=30s]]").build());
            waitFor(v.id(), "in_progress");
            long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (fx.sim.requests().stream().noneMatch(r -> r.uri().contains(c[1]))) {
                assertTrue(System.nanoTime() < until, c[0] + ": never polled");
                Thread.sleep(20);
            }
            assertTrue(sdk.videos().delete(v.id()).deleted(), c[0]);
            Video cancelled = sdk.videos().retrieve(v.id());
            assertEquals("failed", cancelled.status().asString(), c[0]);
            assertEquals("cancelled", cancelled.error().orElseThrow().code(), c[0]);
            String job = vendorJobId(c[1]);
            Thread.sleep(400);                              // the vendor cancel is sent after the task ended
            long polls = fx.sim.requests().stream().filter(r -> r.method().equals("GET") && r.uri().contains(job)).count();
            Thread.sleep(800);                              // more than two poll intervals (max 300 ms)
            assertEquals(polls, fx.sim.requests().stream()
                    .filter(r -> r.method().equals("GET") && r.uri().contains(job)).count(), c[0] + ": polling stopped");
            boolean vendorCancel = fx.sim.requests().stream()
                    .anyMatch(r -> !r.method().equals("GET") && r.uri().contains(job));
            // Runway cancels for real (DELETE /v1/tasks/{id}); the Gemini API cannot cancel a Veo operation.
            assertEquals(c[0].equals("runway"), vendorCancel, c[0]);
        }
    }

    private JsonNode waitForTask(String id, String key) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode t = JSON.readTree(get("/v1/tasks/" + id, key, null).body());
            if (t.path("status").asText().equals("succeeded")) {
                return t;
            }
            assertTrue(System.nanoTime() < until && !t.path("status").asText().equals("failed"), t.toString());
            Thread.sleep(50);
        }
    }

    /** Create → poll until completed (seeing progress) → content byte for byte, and a Range. */
    private String lifeCycle(String alias, VideoSeconds seconds, VideoSize size, String pollPath) throws Exception {
        int bytes = 300_000;
        Video v = sdk.videos().create(VideoCreateParams.builder().model(VideoModel.of(alias))
                .prompt("waves at dusk [[sim duration=1200ms bytes=" + bytes + "]]").seconds(seconds).size(size).build());
        assertEquals("queued", v.status().asString());
        assertEquals(alias, v.model().asString());
        Set<String> seen = new TreeSet<>();
        Video done = v;
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!done.status().asString().equals("completed")) {
            assertTrue(System.nanoTime() < until, "timed out: " + done);
            assertTrue(!done.status().asString().equals("failed"), done.toString());
            seen.add(done.status().asString());
            Thread.sleep(50);
            done = sdk.videos().retrieve(v.id());
        }
        assertTrue(seen.contains("in_progress"), "saw " + seen);
        assertEquals(100, done.progress());
        String vendorId = vendorJobId(pollPath);
        byte[] expected = VendorSimulator.videoBytes(vendorId, bytes);
        try (HttpResponse content = sdk.videos().downloadContent(v.id(),
                VideoDownloadContentParams.builder().variant(VideoDownloadContentParams.Variant.VIDEO).build())) {
            assertArrayEquals(expected, content.body().readAllBytes(), "the stored file is the vendor's, byte for byte");
        }
        java.net.http.HttpResponse<byte[]> part = get("/v1/videos/" + v.id() + "/content", KEY_A, "bytes=1000-65535");
        assertEquals(206, part.statusCode());
        assertEquals("bytes 1000-65535/" + bytes, part.headers().firstValue("content-range").orElseThrow());
        assertArrayEquals(Arrays.copyOfRange(expected, 1000, 65536), part.body());
        assertEquals("video/mp4", part.headers().firstValue("content-type").orElseThrow());
        assertEquals(416, get("/v1/videos/" + v.id() + "/content", KEY_A, "bytes=" + bytes + "-").statusCode());
        return v.id();
    }

    private String vendorJobId(String pollPath) {
        RecordedRequest poll = last(pollPath);
        String uri = poll.uri();
        String rest = uri.substring(uri.indexOf(pollPath) + pollPath.length());
        int end = rest.indexOf('/');
        end = end < 0 ? rest.indexOf('?') : end;
        return end < 0 ? rest : rest.substring(0, end);
    }

    private Video waitFor(String id, String status) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            Video v = sdk.videos().retrieve(id);
            if (v.status().asString().equals(status)) {
                return v;
            }
            assertTrue(System.nanoTime() < until, "timed out waiting for " + status + ": " + v);
            Thread.sleep(50);
        }
    }

    private RecordedRequest last(String part) {
        List<RecordedRequest> all = fx.sim.requests();
        for (int i = all.size() - 1; i >= 0; i--) {
            if (all.get(i).uri().contains(part)) {
                return all.get(i);
            }
        }
        throw new AssertionError("no request to " + part);
    }

    private static String first(RecordedRequest r, String header) {
        List<String> v = r.headers().get(header);
        return v == null || v.isEmpty() ? null : v.get(0);
    }

    private java.net.http.HttpResponse<String> post(String json, String key) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(fx.root() + "/v1/videos")).header("authorization", "Bearer " + key)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
    }

    private java.net.http.HttpResponse<byte[]> get(String path, String key, String range) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(fx.root() + path)).header("authorization", "Bearer " + key);
        if (range != null) {
            b.header("Range", range);
        }
        return HTTP.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }
}
