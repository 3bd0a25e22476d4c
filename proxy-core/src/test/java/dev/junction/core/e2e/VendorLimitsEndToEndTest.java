package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Vendor limits per deployment (SPEC §7.1): a deployment whose vendor says it has no room left is
 * routed around before it answers 429, shows so in {@code /admin/routes}, and comes back when its
 * window resets; a provider's configured rpm does the same.
 */
class VendorLimitsEndToEndTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWER = """
        {"id":"c1","object":"chat.completion","created":1,"model":"x",
         "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}""";

    private static MockWebServer upstream(Supplier<MockResponse> answer) throws Exception {
        MockWebServer s = new MockWebServer();
        s.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest r) {
                return answer.get();
            }
        });
        s.start();
        return s;
    }

    private static GatewayServer gateway(MockWebServer a, MockWebServer b, String aSettings) throws Exception {
        return GatewayServer.start(ConfigLoader.loadString("""
                junction {
                  server { port = 0 }
                  providers {
                    a { type = openai-compatible, base-url = "%s" %s }
                    b { type = openai-compatible, base-url = "%s" }
                  }
                  models { "m" { strategy = priority, deployments = [ { provider = a, model = "x" }, { provider = b, model = "x" } ] } }
                }""".formatted(a.url("/v1"), aSettings, b.url("/v1"))));
    }

    private static HttpResponse<String> chat(GatewayServer gw) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .header("content-type", "application/json").timeout(Duration.ofSeconds(20))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode headroom(GatewayServer gw, String deployment) throws Exception {
        String body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/admin/routes")).GET().build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (JsonNode alias : JSON.readTree(body).get("aliases")) {
            for (JsonNode d : alias.get("deployments")) {
                if (d.get("id").asText().equals(deployment)) {
                    return d.get("headroom");
                }
            }
        }
        throw new AssertionError("no deployment " + deployment + " in " + body);
    }

    @Test
    void aDeploymentWhoseVendorHasNoRequestsLeftIsRoutedAroundUntilItsReset() throws Exception {
        try (MockWebServer a = upstream(() -> new MockResponse().setHeader("content-type", "application/json")
                .setHeader("x-ratelimit-remaining-requests", "0").setHeader("x-ratelimit-reset-requests", "1s")
                .setHeader("x-ratelimit-remaining-tokens", "5000").setHeader("x-ratelimit-reset-tokens", "1s").setBody(ANSWER));
             MockWebServer b = upstream(() -> new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER));
             GatewayServer gw = gateway(a, b, "")) {
            assertEquals("a", chat(gw).headers().firstValue("x-junction-provider").orElseThrow());
            JsonNode h = headroom(gw, "a/x");
            assertEquals(0, h.get("remaining_requests").asLong());
            assertTrue(h.get("out_of_room_for_ms").asLong() > 0, h.toString());
            for (int i = 0; i < 3; i++) {
                assertEquals("b", chat(gw).headers().firstValue("x-junction-provider").orElseThrow(),
                        "routed around before it answers 429");
            }
            assertEquals(1, a.getRequestCount());
            long end = System.nanoTime() + 10_000_000_000L;
            while (headroom(gw, "a/x").get("out_of_room_for_ms").asLong() > 0 && System.nanoTime() < end) {
                Thread.sleep(50);
            }
            assertEquals("a", chat(gw).headers().firstValue("x-junction-provider").orElseThrow(), "back after the reset");
            assertEquals(2, a.getRequestCount());
        }
    }

    @Test
    void aConfiguredProviderRpmRoutesTheRestElsewhere() throws Exception {
        try (MockWebServer a = upstream(() -> new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER));
             MockWebServer b = upstream(() -> new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER));
             GatewayServer gw = gateway(a, b, ", rpm = 2")) {
            int onA = 0;
            for (int i = 0; i < 5; i++) {
                if (chat(gw).headers().firstValue("x-junction-provider").orElseThrow().equals("a")) {
                    onA++;
                }
            }
            assertEquals(2, onA, "rpm = 2 on provider a: the other three went to b");
            assertEquals(2, a.getRequestCount());
            assertEquals(3, b.getRequestCount());
            assertEquals("configured rpm", headroom(gw, "a/x").get("reason").asText());
        }
    }
}
