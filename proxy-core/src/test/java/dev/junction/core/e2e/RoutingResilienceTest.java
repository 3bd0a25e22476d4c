package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.Behavior;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import dev.junction.testkit.OpenAiSchema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Routing and resilience through the running gateway (SPEC §7): three simulated deployments of
 * one alias, scripted to fail, stall or answer slowly, and what the client sees.
 */
class RoutingResilienceTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final List<VendorSimulator> sims = new ArrayList<>();
    private GatewayServer gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        sims.forEach(VendorSimulator::close);
    }

    private VendorSimulator sim() {
        VendorSimulator s = VendorSimulator.start(SimulatorOptions.builder().tokensPerSecond(0).build());
        sims.add(s);
        return s;
    }

    /** Alias "m" over deployments a, b (and c), in that priority order, plus extra HOCON. */
    private GatewayServer gateway(String aliasExtra, String junctionExtra) throws Exception {
        StringBuilder providers = new StringBuilder();
        StringBuilder deployments = new StringBuilder();
        char name = 'a';
        for (VendorSimulator s : sims) {
            providers.append("    ").append(name).append(" { type = openai-compatible, base-url = \"").append(s.baseUrl())
                    .append("/v1\" }\n");
            deployments.append(deployments.length() == 0 ? "" : ", ").append("{ provider = ").append(name)
                    .append(", model = \"gpt-4o-mini\" }");
            name++;
        }
        gw = GatewayServer.start(ConfigLoader.loadString("""
            junction {
              server { port = 0 }
              providers {
            %s  }
              models { "m" {
                deployments = [ %s ]
                %s
              } }
              %s
            }""".formatted(providers, deployments, aliasExtra, junctionExtra)));
        return gw;
    }

    private HttpResponse<String> chat(String prompt, boolean stream, String... headers) throws Exception {
        String body = "{\"model\":\"m\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    @Test
    void failsOverToTheNextDeploymentInvisibly() throws Exception {
        VendorSimulator a = sim();
        VendorSimulator b = sim();
        gateway("", "");
        a.enqueue(Behavior.status(503));
        HttpResponse<String> r = chat("hi", false);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("b", header(r, "x-junction-provider"));
        assertEquals("2", header(r, "x-junction-attempts"));
        assertEquals(1, a.requests().size());
        assertEquals(1, b.requests().size());
    }

    @Test
    void aStreamThatFailsBeforeItsFirstContentFailsOverInvisibly() throws Exception {
        VendorSimulator a = sim();
        sim();
        gateway("", "");
        a.enqueue(Behavior.builder().cutAfterChunks(1).build());
        HttpResponse<String> r = chat("hi [[sim tokens=6]]", true);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
        assertFalse(r.body().contains("\"error\""), r.body());
        assertEquals("b", header(r, "x-junction-provider"));
    }

    @Test
    void rateLimitedLastDeploymentIsRetriedAfterRetryAfter() throws Exception {
        VendorSimulator a = sim();
        gateway("", "");
        a.enqueue(Behavior.builder().status(429).retryAfterSeconds(1).build());
        long t0 = System.nanoTime();
        HttpResponse<String> r = chat("hi", false);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("2", header(r, "x-junction-attempts"));
        assertTrue(ms >= 1000, "Retry-After honoured: " + ms + " ms");
    }

    @Test
    void everyDeploymentRateLimitedIs429UpstreamRateLimited() throws Exception {
        sim();
        sim();
        gateway("", "");
        HttpResponse<String> r = chat("x [[sim status=429 retry-after=30]]", false);
        assertEquals(429, r.statusCode(), r.body());
        assertEquals("upstream_rate_limited", JSON.readTree(r.body()).get("error").get("code").asText());
        assertEquals("30", header(r, "retry-after"));
    }

    @Test
    void quotaExhaustionIsNotRetriedOnTheSameDeployment() throws Exception {
        VendorSimulator a = sim();
        gateway("", "");
        HttpResponse<String> r = chat("x [[sim error=insufficient_quota]]", false);
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("false", header(r, "x-should-retry"));
        assertEquals(1, a.requests().size());
    }

    @Test
    void circuitOpensAfterRepeatedFailuresAndRoutesAround() throws Exception {
        VendorSimulator a = sim();
        VendorSimulator b = sim();
        gateway("", "resilience.circuit-breaker { minimum-requests = 4, failure-rate = 0.5, open-for = 1h }");
        for (int i = 0; i < 4; i++) {
            a.enqueue(Behavior.status(500));
            assertEquals(200, chat("hi", false).statusCode());
        }
        JsonNode routes = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port()
                + "/admin/routes")).build(), HttpResponse.BodyHandlers.ofString()).body());
        JsonNode da = routes.get("aliases").get(0).get("deployments").get(0);
        assertEquals("open", da.get("circuit_state").asText(), da.toString());
        int before = a.requests().size();
        HttpResponse<String> r = chat("hi", false);
        assertEquals("1", header(r, "x-junction-attempts"));
        assertEquals("b", header(r, "x-junction-provider"));
        assertEquals(before, a.requests().size(), "an open circuit gets no traffic");
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertTrue(metrics.contains("junction_circuit_state{deployment=\"a/gpt-4o-mini\",provider=\"a\"} 2"), metrics);
        assertTrue(b.requests().size() >= 5);
    }

    @Test
    void aSlowFirstAttemptIsHedgedAndTheLoserCancelled() throws Exception {
        VendorSimulator a = sim();
        VendorSimulator b = sim();
        gateway("hedge { after = 150ms, max-extra = 1 }", "");
        // Requests also earn the hedge budget 0.1 hedge each (on top of its reserve of a hedge a second).
        for (int i = 0; i < 10; i++) {
            assertEquals(200, chat("warm", true).statusCode());
        }
        a.enqueue(Behavior.builder().latency(Duration.ofSeconds(3)).build());
        long t0 = System.nanoTime();
        HttpResponse<String> r = chat("hi", true);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(200, r.statusCode());
        assertEquals("b", header(r, "x-junction-provider"));
        assertTrue(ms < 2800, "the hedge answered first: " + ms + " ms");
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (a.cancelledRequests() + a.cancelledStreams() < 1 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertTrue(a.cancelledRequests() + a.cancelledStreams() >= 1, "the losing attempt is cancelled at once");
    }

    @Test
    void aFreshGatewayHedgesItsFirstSlowRequest() throws Exception {
        VendorSimulator a = sim();
        sim();
        gateway("hedge { after = 200ms, max-extra = 1 }", "");
        // No warm-up: the budget's reserve (a hedge a second) covers a cold or quiet alias.
        a.enqueue(Behavior.builder().latency(Duration.ofSeconds(3)).build());
        long t0 = System.nanoTime();
        HttpResponse<String> r = chat("hi", false);
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("b", header(r, "x-junction-provider"));
        assertEquals("2", header(r, "x-junction-attempts"));
        assertTrue(ms < 2500, "the hedge answered first: " + ms + " ms");
    }

    @Test
    void a503AfterRetriesAndFailoverCarriesRetryAfter() throws Exception {
        VendorSimulator a = sim();
        VendorSimulator b = sim();
        gateway("", "resilience.retry { base = 1ms, cap = 2ms }");
        for (int i = 0; i < 3; i++) {
            a.enqueue(Behavior.status(500));
            b.enqueue(Behavior.status(500));
        }
        HttpResponse<String> r = chat("hi", false);
        assertEquals(503, r.statusCode(), r.body());
        assertEquals("upstream_unavailable", JSON.readTree(r.body()).path("error").path("code").asText(), r.body());
        String retryAfter = header(r, "retry-after");
        assertTrue(retryAfter != null && Integer.parseInt(retryAfter) >= 1, "Retry-After on a 503: " + retryAfter);
        assertEquals(null, header(r, "x-should-retry"));
    }

    @Test
    void deadlineBoundsTheWholeRequest() throws Exception {
        VendorSimulator a = sim();
        gateway("", "");
        a.enqueue(Behavior.builder().latency(Duration.ofSeconds(5)).build());
        long t0 = System.nanoTime();
        HttpResponse<String> r = chat("hi", false, "x-junction-deadline-ms", "300");
        long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(504, r.statusCode(), r.body());
        assertEquals("upstream_timeout", JSON.readTree(r.body()).get("error").get("code").asText());
        assertTrue(ms < 3500, ms + " ms");
        assertEquals(400, chat("hi", false, "x-junction-deadline-ms", "soon").statusCode());
    }

    @Test
    void strategyHeaderOverridesAndIsValidated() throws Exception {
        sim();
        sim();
        gateway("strategy = priority", "");
        HttpResponse<String> bad = chat("hi", false, "x-junction-strategy", "fastest");
        assertEquals(400, bad.statusCode());
        assertEquals("x-junction-strategy", JSON.readTree(bad.body()).get("error").get("param").asText());
        assertEquals(200, chat("hi", false, "x-junction-strategy", "latency").statusCode());
    }

    @Test
    void keepaliveCommentsWhileAStreamWaits() throws Exception {
        VendorSimulator a = sim();
        gateway("", "streaming { keepalive-interval = 100ms }");
        a.enqueue(Behavior.builder().latency(Duration.ofMillis(600)).build());
        HttpResponse<String> r = chat("hi", true);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().startsWith(": keepalive\n\n"), r.body());
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
        for (String event : r.body().split("\n\n")) {
            if (event.startsWith("data: {")) {
                OpenAiSchema.assertValid("CreateChatCompletionStreamResponse", event.substring(6));
            }
        }
    }

    @Test
    void capabilityFilterNamesWhatIsMissing(@TempDir Path dir) throws Exception {
        VendorSimulator a = sim();
        Path catalog = dir.resolve("catalog.conf");
        Files.writeString(catalog, "\"plain-model\" { context-window = 1000, max-output = 100, capabilities = [streaming] }");
        gw = GatewayServer.start(ConfigLoader.loadString("""
            junction {
              server { port = 0 }
              providers { a { type = openai-compatible, base-url = "%s/v1" } }
              models { "m" { deployments = [ { provider = a, model = "plain-model" } ] } }
              catalog = "%s"
            }""".formatted(a.baseUrl(), catalog)));
        String tools = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}";
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(tools)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertEquals("unsupported_capability", e.get("code").asText());
        assertTrue(e.get("message").asText().contains("tools"), e.toString());
        String big = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "word ".repeat(2000) + "\"}]}";
        HttpResponse<String> tooLong = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(big)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals("context_length_exceeded", JSON.readTree(tooLong.body()).get("error").get("code").asText(), tooLong.body());
        assertTrue(a.requests().isEmpty());
    }

    @Test
    void reloadSwapsRoutesWithoutFailingInFlightRequestsAndKeepsStatistics() throws Exception {
        VendorSimulator a = sim();
        gateway("", "");
        assertEquals(200, chat("warm", false).statusCode());
        a.enqueue(Behavior.builder().latency(Duration.ofMillis(800)).build());
        CompletableFuture<HttpResponse<String>> inFlight = CompletableFuture.supplyAsync(() -> {
            try {
                return chat("slow", false);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        // The reload happens while the slow request is at the upstream (warm-up + this one).
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (a.requests().size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(2, a.requests().size(), "the slow request reached the upstream");
        gw.reload(ConfigLoader.loadString("""
            junction {
              server { port = 0 }
              providers { a { type = openai-compatible, base-url = "%s/v1" } }
              models {
                "m" { deployments = [ { provider = a, model = "gpt-4o-mini" } ] }
                "m2" { deployments = [ { provider = a, model = "gpt-4o-mini" } ] }
              }
            }""".formatted(a.baseUrl())));
        assertEquals(200, inFlight.get(10, TimeUnit.SECONDS).statusCode(), "the in-flight request survives the reload");
        JsonNode routes = JSON.readTree(HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port()
                + "/admin/routes")).build(), HttpResponse.BodyHandlers.ofString()).body());
        assertEquals(2, routes.get("aliases").size());
        assertTrue(routes.get("aliases").get(0).get("deployments").get(0).get("stats").get("total_requests").asLong() >= 2,
                "statistics of an unchanged deployment survive the reload: " + routes);
        String m2 = "{\"model\":\"m2\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        assertEquals(200, HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(m2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
    }
}
