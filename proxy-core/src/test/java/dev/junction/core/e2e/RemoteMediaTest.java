package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.VendorSimulator;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okio.Buffer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Image URLs for a vendor that cannot fetch them (Gemini) are fetched by Junction and inlined, within
 * the SSRF rules of SPEC §9; a vendor that fetches URLs itself (Anthropic) gets the URL unchanged.
 */
class RemoteMediaTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R', 1, 2, 3, 4};

    private VendorSimulator sim;
    private MockWebServer images;

    @BeforeEach
    void start() throws Exception {
        sim = VendorSimulator.start();
        images = new MockWebServer();
        images.start();
    }

    @AfterEach
    void stop() throws Exception {
        sim.close();
        images.close();
    }

    private GatewayServer gateway(String allow) throws Exception {
        return GatewayServer.start(ConfigLoader.loadString("""
            junction {
              server { port = 0 }
              media-fetch { allow = [%2$s] }
              providers {
                gem    { type = gemini, base-url = "%1$s", api-key = "k-gem" }
                claude { type = anthropic, base-url = "%1$s", api-key = "k-ant" }
              }
              models {
                gemini { deployments = [ { provider = gem, model = "gemini-2.5-flash" } ] }
                claude { deployments = [ { provider = claude, model = "claude-haiku-4-5" } ] }
              }
            }""".formatted(sim.baseUrl(), allow)));
    }

    private static HttpResponse<String> chatWithImage(GatewayServer gw, String alias, String url) throws Exception {
        String body = "{\"model\":\"" + alias + "\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is it?\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url + "\"}}]}]}";
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).timeout(Duration.ofSeconds(20)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void geminiGetsTheFetchedImageInline() throws Exception {
        images.enqueue(new MockResponse().setHeader("content-type", "image/png").setBody(new Buffer().write(PNG)));
        try (GatewayServer gw = gateway("\"127.0.0.1\"")) {
            HttpResponse<String> r = chatWithImage(gw, "gemini", images.url("/cat.png").toString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode part = JSON.readTree(sim.requests().get(0).body()).get("contents").get(0).get("parts").get(1);
            assertEquals("image/png", part.get("inlineData").get("mimeType").asText());
            assertEquals(Base64.getEncoder().encodeToString(PNG), part.get("inlineData").get("data").asText());
            assertEquals(1, images.getRequestCount());
        }
    }

    @Test
    void anthropicFetchesUrlsItself() throws Exception {
        try (GatewayServer gw = gateway("\"127.0.0.1\"")) {
            String url = images.url("/cat.png").toString();
            HttpResponse<String> r = chatWithImage(gw, "claude", url);
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(sim.requests().get(0).body().contains(url), "the URL is passed on as an url source");
            assertEquals(0, images.getRequestCount(), "Junction fetched nothing");
        }
    }

    @Test
    void loopbackImageUrlsAreRefusedUnlessAllowListed() throws Exception {
        try (GatewayServer gw = gateway("")) {
            HttpResponse<String> r = chatWithImage(gw, "gemini", "https://127.0.0.1:" + images.getPort() + "/cat.png");
            assertEquals(400, r.statusCode(), r.body());
            JsonNode e = JSON.readTree(r.body()).get("error");
            assertEquals("invalid_value", e.get("code").asText());
            assertEquals("messages[0].content[1].image_url.url", e.get("param").asText());
            assertEquals(0, images.getRequestCount(), "no connection to a forbidden address");
            assertTrue(sim.requests().isEmpty());
        }
    }
}
