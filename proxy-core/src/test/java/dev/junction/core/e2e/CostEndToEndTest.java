package dev.junction.core.e2e;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A request's cost from the catalog's prices and each vendor's own usage shape (SPEC §7.1
 * {@code x-junction-cost-usd}): cached input, cache writes and reasoning tokens priced right, the
 * answer's header to the nano-dollar, and the key's spend charged with it.
 * Prices (USD per million): input 1.00, cached input 0.50, cache write 1.25, output 2.00.
 */
class CostEndToEndTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;

    private String cost(String type, String vendorBody) throws Exception {
        Path catalog = dir.resolve("catalog.conf");
        Files.writeString(catalog, """
            "priced-model" {
              context-window = 200000
              max-output = 8000
              capabilities = [streaming, tools, vision, json-schema, reasoning]
              price { input = 1.00, cached-input = 0.50, cache-write = 1.25, output = 2.00 }
            }
            """);
        try (MockWebServer up = new MockWebServer()) {
            up.enqueue(new MockResponse().setHeader("content-type", "application/json").setBody(vendorBody));
            up.start();
            String base = up.url("/").toString().replaceAll("/$", "") + (type.equals("openai-compatible") ? "/v1" : "");
            try (GatewayServer gw = GatewayServer.start(ConfigLoader.loadString("""
                    junction {
                      server { port = 0 }
                      auth { keys = [ { name = "app", key = "gw-key", budget-usd-per-day = 100 } ] }
                      providers { up { type = %s, base-url = "%s", api-key = "vendor-key-0123456789" } }
                      models { "m" { deployments = [ { provider = up, model = "priced-model" } ] } }
                      catalog = "%s"
                      limits.path = "%s"
                    }""".formatted(type, base, catalog, dir.resolve("limits.db"))))) {
                HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                        .header("authorization", "Bearer gw-key").header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
                String header = r.headers().firstValue("x-junction-cost-usd").orElseThrow();
                var key = gw.snapshot().config().auth().keys().get(0);
                // Settled when the request is recorded, just after the answer is written.
                long end = System.nanoTime() + 5_000_000_000L;
                while (gw.limiter().status(key).spendUsdToday() == 0 && System.nanoTime() < end) {
                    Thread.sleep(5);
                }
                assertEquals(new BigDecimal(header).doubleValue(), gw.limiter().status(key).spendUsdToday(), 1e-12);
                return header;
            }
        }
    }

    @Test
    void openAiCachedAndReasoningTokens() throws Exception {
        // 1000 prompt of which 400 cached; 500 completion of which 200 reasoning (billed as output).
        // (600 x 1.00 + 400 x 0.50 + 500 x 2.00) / 1e6 = 0.0018
        assertEquals("0.0018", cost("openai-compatible", """
            {"id":"c1","object":"chat.completion","created":1,"model":"priced-model",
             "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
             "usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500,
                      "prompt_tokens_details":{"cached_tokens":400},
                      "completion_tokens_details":{"reasoning_tokens":200}}}"""));
    }

    @Test
    void anthropicCacheReadsAndCacheWrites() throws Exception {
        // input_tokens excludes the cache: 100 uncached + 1000 read + 200 written; 50 output.
        // (100 x 1.00 + 1000 x 0.50 + 200 x 1.25 + 50 x 2.00) / 1e6 = 0.00095
        assertEquals("0.00095", cost("anthropic", """
            {"id":"msg_1","type":"message","role":"assistant","model":"priced-model",
             "content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":100,"output_tokens":50,"cache_read_input_tokens":1000,
                      "cache_creation_input_tokens":200}}"""));
    }

    @Test
    void geminiCachedContentAndThoughts() throws Exception {
        // promptTokenCount includes the 600 cached; candidatesTokenCount excludes the 300 thoughts.
        // (400 x 1.00 + 600 x 0.50 + (100 + 300) x 2.00) / 1e6 = 0.0015
        assertEquals("0.0015", cost("gemini", """
            {"candidates":[{"content":{"role":"model","parts":[{"text":"hi"}]},"finishReason":"STOP","index":0}],
             "usageMetadata":{"promptTokenCount":1000,"candidatesTokenCount":100,"cachedContentTokenCount":600,
                              "thoughtsTokenCount":300,"totalTokenCount":1400},
             "modelVersion":"priced-model"}"""));
    }

    @Test
    void noCostHeaderWithoutUsage() throws Exception {
        String header = null;
        try {
            header = cost("openai-compatible", """
                {"id":"c1","object":"chat.completion","created":1,"model":"priced-model",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}""");
        } catch (java.util.NoSuchElementException expected) {
            return;
        }
        assertTrue(false, "an answer without usage has no cost to state, got " + header);
    }
}
