package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.server.GatewayServer;
import dev.junction.testkit.OpenAiSchema;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gateway-key limits through the whole gateway (SPEC §7.1), with MockWebServer as the vendor so
 * that what reaches the vendor is counted there.
 */
class KeyLimitsEndToEndTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWER = """
        {"id":"c1","object":"chat.completion","created":1,"model":"priced-model",
         "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}""";

    @TempDir
    Path dir;

    private GatewayServer gateway(MockWebServer up, String keys) throws Exception {
        Path catalog = dir.resolve("catalog.conf");
        Files.writeString(catalog, """
            "priced-model" {
              context-window = 200000
              max-output = 8000
              capabilities = [streaming, tools, vision, json-schema]
              price { input = 1000.00, output = 1000.00 }
            }
            """);
        return GatewayServer.start(ConfigLoader.loadString("""
                junction {
                  server { port = 0 }
                  auth { keys = [ %s ] }
                  providers { up { type = openai-compatible, base-url = "%s" } }
                  models { "m" { deployments = [ { provider = up, model = "priced-model" } ] } }
                  catalog = "%s"
                  limits.path = "%s"
                }""".formatted(keys, up.url("/v1"), catalog, dir.resolve("limits.db"))));
    }

    private static HttpRequest chat(GatewayServer gw, String key, String body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static final String SMALL = "{\"model\":\"m\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void fiftyConcurrentRequestsAgainstATpmThatAdmitsTen() throws Exception {
        AtomicInteger reachedVendor = new AtomicInteger();
        CountDownLatch refusalsSeen = new CountDownLatch(40);
        try (MockWebServer up = new MockWebServer()) {
            up.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                    reachedVendor.incrementAndGet();
                    // Held until every refusal is out, so no settlement frees tokens during the burst.
                    refusalsSeen.await(20, TimeUnit.SECONDS);
                    return new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER);
                }
            });
            up.start();
            // Each request reserves ~1010 tokens (a tiny prompt + max_tokens 1000): 10 fit in 10500.
            try (GatewayServer gw = gateway(up, "{ name = \"app\", key = \"gw-key\", tpm = 10500 }")) {
                List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    all.add(HTTP.sendAsync(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString())
                            .whenComplete((r, e) -> {
                                if (r != null && r.statusCode() == 429) {
                                    refusalsSeen.countDown();
                                }
                            }));
                }
                int ok = 0;
                int limited = 0;
                for (CompletableFuture<HttpResponse<String>> f : all) {
                    HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                    assertEquals("10500", r.headers().firstValue("x-ratelimit-limit-tokens").orElse(null));
                    assertTrue(r.headers().firstValue("x-ratelimit-remaining-tokens").isPresent());
                    assertTrue(r.headers().firstValue("x-ratelimit-reset-tokens").isPresent());
                    if (r.statusCode() == 200) {
                        ok++;
                    } else {
                        assertEquals(429, r.statusCode(), r.body());
                        OpenAiSchema.assertValid("ErrorResponse", r.body());
                        assertEquals("rate_limit_exceeded", JSON.readTree(r.body()).at("/error/code").asText());
                        long retryAfter = Long.parseLong(r.headers().firstValue("retry-after").orElseThrow());
                        // ~1010 tokens missing at 175 per second: about 6 s, never less than the truth.
                        assertTrue(retryAfter >= 2 && retryAfter <= 7, "Retry-After " + retryAfter);
                        limited++;
                    }
                }
                assertEquals(10, ok);
                assertEquals(40, limited);
                assertEquals(10, reachedVendor.get(), "no refused request reached the vendor");
                // The ten used 10 tokens each: their reservations came back, so the key has room again.
                waitFor(() -> gw.metrics().inFlight() == 0);
                HttpResponse<String> after = HTTP.send(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, after.statusCode(), after.body());
                assertEquals(11, reachedVendor.get());
            }
        }
    }

    @Test
    void streamsSettleOnTheirReportedUsage() throws Exception {
        try (MockWebServer up = new MockWebServer()) {
            String chunk = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"priced-model\","
                    + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}";
            String end = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"priced-model\","
                    + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}";
            String usage = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"priced-model\","
                    + "\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":3,\"total_tokens\":10}}";
            up.enqueue(new MockResponse().setHeader("content-type", "text/event-stream")
                    .setBody("data: " + chunk + "\n\ndata: " + end + "\n\ndata: " + usage + "\n\ndata: [DONE]\n\n"));
            up.enqueue(new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER));
            up.start();
            try (GatewayServer gw = gateway(up, "{ name = \"app\", key = \"gw-key\", tpm = 1000000 }")) {
                HttpResponse<String> s = HTTP.send(chat(gw, "gw-key",
                        "{\"model\":\"m\",\"stream\":true,\"max_tokens\":8000,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, s.statusCode());
                long remainingDuringStream = Long.parseLong(s.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
                assertTrue(remainingDuringStream <= 992_000, "the stream reserved its 8000 output tokens");
                assertTrue(s.headers().firstValue("x-junction-cost-usd").isEmpty(), "no cost header on a stream");
                waitFor(() -> gw.metrics().inFlight() == 0);
                HttpResponse<String> r = HTTP.send(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString());
                long remaining = Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
                // The stream settled on 10 tokens: only those and this request's ~1010 are taken.
                assertTrue(remaining >= 1_000_000 - 10 - 1100 && remaining < 1_000_000 - 1000, "remaining " + remaining);
            }
        }
    }

    @Test
    void spentBudgetIs429BudgetExceededThatSdksDoNotRetry() throws Exception {
        try (MockWebServer up = new MockWebServer()) {
            up.enqueue(new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER));
            up.start();
            // 10 tokens at 1000 USD per million = 0.01 USD: the budget of 0.01 is spent by one request.
            try (GatewayServer gw = gateway(up, "{ name = \"app\", key = \"gw-key\", budget-usd-per-day = 0.01 }")) {
                HttpResponse<String> first = HTTP.send(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, first.statusCode(), first.body());
                assertEquals("0.01", first.headers().firstValue("x-junction-cost-usd").orElseThrow());
                waitFor(() -> gw.metrics().inFlight() == 0);
                HttpResponse<String> second = HTTP.send(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString());
                assertEquals(429, second.statusCode(), second.body());
                OpenAiSchema.assertValid("ErrorResponse", second.body());
                assertEquals("budget_exceeded", JSON.readTree(second.body()).at("/error/code").asText());
                assertEquals("insufficient_quota", JSON.readTree(second.body()).at("/error/type").asText());
                assertEquals("false", second.headers().firstValue("x-should-retry").orElse(null));
                assertEquals(1, up.getRequestCount());
            }
        }
    }

    @Test
    void maxConcurrentRefusesTheRequestOverTheLimit() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger reachedVendor = new AtomicInteger();
        try (MockWebServer up = new MockWebServer()) {
            up.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                    reachedVendor.incrementAndGet();
                    release.await(20, TimeUnit.SECONDS);
                    return new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER);
                }
            });
            up.start();
            try (GatewayServer gw = gateway(up, "{ name = \"app\", key = \"gw-key\", max-concurrent = 2 }")) {
                var a = HTTP.sendAsync(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString());
                var b = HTTP.sendAsync(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString());
                waitFor(() -> reachedVendor.get() == 2);
                HttpResponse<String> c = HTTP.send(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString());
                assertEquals(429, c.statusCode());
                assertEquals("concurrency_limit_exceeded", JSON.readTree(c.body()).at("/error/code").asText());
                assertTrue(c.headers().firstValue("retry-after").isPresent());
                release.countDown();
                assertEquals(200, a.get(20, TimeUnit.SECONDS).statusCode());
                assertEquals(200, b.get(20, TimeUnit.SECONDS).statusCode());
                waitFor(() -> gw.metrics().inFlight() == 0);
                assertEquals(200, HTTP.send(chat(gw, "gw-key", SMALL), HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(3, reachedVendor.get());
            }
        }
    }

    static void waitFor(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met in 10 s");
            }
            Thread.sleep(5);
        }
    }
}
