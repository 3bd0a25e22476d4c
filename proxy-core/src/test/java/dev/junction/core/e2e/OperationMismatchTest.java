package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.errors.BadRequestException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.embeddings.EmbeddingCreateParams;
import com.openai.models.images.ImageGenerateParams;
import com.openai.models.videos.Video;
import com.openai.models.videos.VideoCreateParams;
import com.openai.models.videos.VideoModel;
import dev.junction.simulator.SimulatorOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request sent to an alias whose provider type cannot serve that kind of request (chat to a
 * video-only vendor, video to a chat vendor, embeddings to a vendor without them, images to a
 * vendor that makes none) is answered {@code 400 unsupported_capability} naming the deployment
 * (SPEC §4), never a 500; and an alias mixing such providers routes each kind of request to the
 * deployments that can serve it.
 */
class OperationMismatchTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    private GatewayFixture fx;
    private OpenAIClient sdk;

    @BeforeEach
    void start() throws Exception {
        // Model names absent from the catalog are assumed capable of anything (SPEC §2), so only the
        // provider type can tell what a deployment serves.
        fx = GatewayFixture.start(SimulatorOptions.builder().build(), """
                junction {
                  server { port = 0 }
                  tasks { path = "%s/tasks.db", media-dir = "%s/media", poll { initial = 100ms, max = 300ms } }
                  providers {
                    rw  { type = runway, base-url = "SIM/runway", api-key = "rw-key-0123456789" }
                    ant { type = anthropic, base-url = "SIM", api-key = "sk-ant-0123456789" }
                  }
                  models {
                    "runway" { deployments = [ { provider = rw,  model = "runway-custom" } ] }
                    "claude" { deployments = [ { provider = ant, model = "claude-custom" } ] }
                    "both"   { strategy = priority, deployments = [ { provider = ant, model = "claude-custom" },
                                                                   { provider = rw,  model = "runway-custom" } ] }
                    "video-first" { strategy = priority, deployments = [ { provider = rw,  model = "runway-custom" },
                                                                        { provider = ant, model = "claude-custom" } ] }
                  }
                }""".formatted(dir, dir));
        sdk = fx.sdk();
    }

    @AfterEach
    void stop() {
        sdk.close();
        fx.close();
    }

    @Test
    void chatToAVideoOnlyVendorIsUnsupportedCapability() throws Exception {
        BadRequestException e = assertThrows(BadRequestException.class, () -> sdk.chat().completions().create(
                ChatCompletionCreateParams.builder().model("runway").addUserMessage("hi").build()));
        assertEquals("unsupported_capability", e.code().orElseThrow());
        assertUnsupported(post("/v1/chat/completions",
                "{\"model\":\"runway\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"), "rw/runway-custom");
    }

    @Test
    void embeddingsAndImagesToVendorsWithoutThemAreUnsupportedCapability() throws Exception {
        for (String alias : new String[] {"runway", "claude"}) {
            assertUnsupported(post("/v1/embeddings", "{\"model\":\"" + alias + "\",\"input\":\"hi\"}"), alias);
            assertUnsupported(post("/v1/images/generations", "{\"model\":\"" + alias + "\",\"prompt\":\"a cat\"}"), alias);
        }
        assertThrows(BadRequestException.class, () -> sdk.embeddings().create(EmbeddingCreateParams.builder()
                .model("runway").input("hi").build()));
        assertThrows(BadRequestException.class, () -> sdk.images().generate(ImageGenerateParams.builder()
                .model("claude").prompt("a cat").build()));
    }

    @Test
    void videoToAChatVendorIsUnsupportedCapability() throws Exception {
        assertUnsupported(post("/v1/videos", "{\"model\":\"claude\",\"prompt\":\"waves\"}"), "ant/claude-custom");
        BadRequestException e = assertThrows(BadRequestException.class, () -> sdk.videos().create(
                VideoCreateParams.builder().model(VideoModel.of("claude")).prompt("waves").build()));
        assertEquals("unsupported_capability", e.code().orElseThrow());
    }

    @Test
    void aMixedAliasSendsEachKindOfRequestToTheDeploymentsThatServeIt() throws Exception {
        ChatCompletion c = sdk.chat().completions().create(
                ChatCompletionCreateParams.builder().model("video-first").addUserMessage("hi").build());
        assertTrue(c.choices().get(0).message().content().isPresent());
        Video v = sdk.videos().create(VideoCreateParams.builder().model(VideoModel.of("both"))
                .prompt("waves [[sim duration=200ms]]").build());
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!v.status().asString().equals("completed")) {
            assertTrue(System.nanoTime() < until, "timed out: " + v);
            assertTrue(!v.status().asString().equals("failed"), v.toString());
            Thread.sleep(50);
            v = sdk.videos().retrieve(v.id());
        }
        assertTrue(fx.sim.requests().stream().anyMatch(r -> r.uri().contains("/runway/v1/text_to_video")));
    }

    private static void assertUnsupported(HttpResponse<String> r, String names) throws Exception {
        assertEquals(400, r.statusCode(), r.body());
        JsonNode err = JSON.readTree(r.body()).path("error");
        assertEquals("invalid_request_error", err.path("type").asText(), r.body());
        assertEquals("unsupported_capability", err.path("code").asText(), r.body());
        assertTrue(err.path("message").asText().contains(names.contains("/") ? names : ""), r.body());
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(fx.root() + path)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
