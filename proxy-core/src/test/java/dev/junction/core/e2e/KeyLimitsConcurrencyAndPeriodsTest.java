package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.limits.MutableClock;
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
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.junction.core.e2e.KeyLimitsEndToEndTest.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Gateway-key limits through the whole gateway, the parts {@link KeyLimitsEndToEndTest} leaves
 * out: 50 concurrent requests against an rpm and against a max-concurrent (only the admitted ones
 * reach the vendor), budgets crossing the UTC day and month boundaries on an injected clock, a
 * stream the client abandons settling on what was produced, and spend surviving a restart of the
 * gateway. MockWebServer is the vendor: what reaches it is counted
 * there. Every answer costs $0.01 (10 tokens at $1000 per million).
 */
class KeyLimitsConcurrencyAndPeriodsTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWER = """
        {"id":"c1","object":"chat.completion","created":1,"model":"priced-model",
         "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}""";
    private static final String SMALL = "{\"model\":\"m\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    private GatewayServer gateway(MockWebServer up, String key, Clock clock) throws Exception {
        Path catalog = dir.resolve("catalog.conf");
        Files.writeString(catalog, """
            "priced-model" { context-window = 200000, max-output = 8000, capabilities = [streaming], price { input = 1000.00, output = 1000.00 } }
            """);
        return GatewayServer.start(ConfigLoader.loadString("""
                junction {
                  server { port = 0 }
                  auth { keys = [ { name = "app", key = "gw-key", %s } ] }
                  providers { up { type = openai-compatible, base-url = "%s" } }
                  models { "m" { deployments = [ { provider = up, model = "priced-model" } ] } }
                  catalog = "%s"
                  limits.path = "%s"
                }""".formatted(key, up.url("/v1"), catalog, dir.resolve("limits.db"))), clock);
    }

    private static HttpResponse<String> send(GatewayServer gw) throws Exception {
        return HTTP.send(request(gw), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest request(GatewayServer gw) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .header("authorization", "Bearer gw-key").header("content-type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(SMALL)).build();
    }

    /** A vendor that counts what reaches it and holds every answer until {@code release} opens. */
    private static MockWebServer vendor(AtomicInteger reached, CountDownLatch release) throws Exception {
        MockWebServer up = new MockWebServer();
        up.setDispatcher(new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) throws InterruptedException {
                reached.incrementAndGet();
                release.await(20, TimeUnit.SECONDS);
                return new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER);
            }
        });
        up.start();
        return up;
    }

    /** Sends 50 requests at once; answers are held at the vendor until every refusal is out. */
    private static List<HttpResponse<String>> fifty(GatewayServer gw, int admitted, CountDownLatch release) throws Exception {
        CountDownLatch refusals = new CountDownLatch(50 - admitted);
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            all.add(HTTP.sendAsync(request(gw), HttpResponse.BodyHandlers.ofString()).whenComplete((r, e) -> {
                if (r != null && r.statusCode() == 429) {
                    refusals.countDown();
                }
            }));
        }
        assertTrue(refusals.await(30, TimeUnit.SECONDS), "refusals missing: " + refusals.getCount());
        release.countDown();
        List<HttpResponse<String>> out = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : all) {
            out.add(f.get(30, TimeUnit.SECONDS));
        }
        return out;
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        OpenAiSchema.assertValid("ErrorResponse", r.body());
        return JSON.readTree(r.body()).get("error");
    }

    @Test
    void fiftyConcurrentRequestsAgainstAnRpmOfTen() throws Exception {
        // The clock stands still: the window does not refill during the burst, so exactly 10 pass and
        // each refusal's Retry-After is exact: one request comes back every 6 s at 10 rpm.
        MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:00:00Z"));
        AtomicInteger reached = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (MockWebServer up = vendor(reached, release); GatewayServer gw = gateway(up, "rpm = 10", clock)) {
            int ok = 0;
            for (HttpResponse<String> r : fifty(gw, 10, release)) {
                assertEquals("10", r.headers().firstValue("x-ratelimit-limit-requests").orElse(null));
                if (r.statusCode() == 200) {
                    ok++;
                    continue;
                }
                assertEquals(429, r.statusCode(), r.body());
                assertEquals("rate_limit_exceeded", error(r).path("code").asText());
                assertEquals("6", r.headers().firstValue("retry-after").orElse(null));
                assertEquals("6000", r.headers().firstValue("retry-after-ms").orElse(null));
                assertEquals("0", r.headers().firstValue("x-ratelimit-remaining-requests").orElse(null));
            }
            assertEquals(10, ok);
            assertEquals(10, reached.get(), "no refused request reached the vendor");
            // 6 s later exactly one more is admitted.
            clock.advance(6000);
            assertEquals(200, send(gw).statusCode());
            assertEquals(429, send(gw).statusCode());
            assertEquals(11, reached.get());
        }
    }

    @Test
    void fiftyConcurrentRequestsAgainstAMaxConcurrentOfFive() throws Exception {
        AtomicInteger reached = new AtomicInteger();
        CountDownLatch release = new CountDownLatch(1);
        try (MockWebServer up = vendor(reached, release);
             GatewayServer gw = gateway(up, "max-concurrent = 5", Clock.systemUTC())) {
            int ok = 0;
            for (HttpResponse<String> r : fifty(gw, 5, release)) {
                if (r.statusCode() == 200) {
                    ok++;
                    continue;
                }
                assertEquals(429, r.statusCode(), r.body());
                assertEquals("concurrency_limit_exceeded", error(r).path("code").asText());
                assertEquals("1", r.headers().firstValue("retry-after").orElse(null));
            }
            assertEquals(5, ok);
            assertEquals(5, reached.get(), "no refused request reached the vendor");
            waitFor(() -> gw.metrics().inFlight() == 0);
            assertEquals(200, send(gw).statusCode(), "the slots came back");
        }
    }

    @Test
    void budgetsStartAgainAtTheUtcDayAndMonthBoundaries() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-30T23:59:58Z"));
        AtomicInteger reached = new AtomicInteger();
        CountDownLatch open = new CountDownLatch(0);
        try (MockWebServer up = vendor(reached, open);
             GatewayServer gw = gateway(up, "budget-usd-per-day = 0.02, budget-usd-per-month = 0.03", clock)) {
            assertEquals(200, send(gw).statusCode());
            assertEquals(200, send(gw).statusCode());
            waitFor(() -> gw.metrics().inFlight() == 0);
            HttpResponse<String> day = send(gw);                           // $0.02 of $0.02 today
            assertEquals(429, day.statusCode());
            assertEquals("budget_exceeded", error(day).path("code").asText());
            assertTrue(error(day).path("message").asText().contains("budget-usd-per-day"), day.body());
            assertEquals("false", day.headers().firstValue("x-should-retry").orElse(null));

            clock.set(Instant.parse("2026-01-30T23:59:59.999Z"));          // still the same UTC day
            assertEquals(429, send(gw).statusCode());
            clock.set(Instant.parse("2026-01-31T00:00:00Z"));              // a new day, the same month
            assertEquals(200, send(gw).statusCode());
            waitFor(() -> gw.metrics().inFlight() == 0);
            HttpResponse<String> month = send(gw);                         // $0.01 today, $0.03 of $0.03 this month
            assertEquals(429, month.statusCode());
            assertTrue(error(month).path("message").asText().contains("budget-usd-per-month"), month.body());

            clock.set(Instant.parse("2026-01-31T23:59:59.999Z"));
            assertEquals(429, send(gw).statusCode());
            clock.set(Instant.parse("2026-02-01T00:00:00Z"));              // a new month
            assertEquals(200, send(gw).statusCode());
            assertEquals(4, reached.get(), "no refused request reached the vendor");
            waitFor(() -> gw.metrics().inFlight() == 0);
            assertEquals(0.01, gw.limiter().status(gw.snapshot().config().auth().keys().get(0)).spendUsdThisMonth(), 1e-9);
        }
    }

    @Test
    void aStreamTheClientAbandonsSettlesOnWhatWasProduced() throws Exception {
        // The clock stands still, so the tpm window only moves by reservations and settlements.
        MutableClock clock = new MutableClock(Instant.parse("2026-03-10T12:00:00Z"));
        String chunk = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"priced-model\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"word \"},\"finish_reason\":null}]}\n\n";
        try (MockWebServer up = new MockWebServer()) {
            // A long stream, sent slowly: the client is gone long before it ends.
            up.enqueue(new MockResponse().setHeader("content-type", "text/event-stream")
                    .setBody(chunk.repeat(200) + "data: [DONE]\n\n").throttleBody(chunk.length(), 50, TimeUnit.MILLISECONDS));
            up.enqueue(new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER));
            up.start();
            try (GatewayServer gw = gateway(up, "tpm = 20000, max-concurrent = 1", clock)) {
                String body = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":8000,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                try (java.net.Socket s = new java.net.Socket("127.0.0.1", gw.port())) {
                    s.setSoTimeout(10_000);
                    s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Authorization: Bearer gw-key\r\nContent-Type: application/json\r\nContent-Length: "
                            + body.length() + "\r\n\r\n" + body).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(s.getInputStream(),
                            java.nio.charset.StandardCharsets.UTF_8));
                    String line;
                    String remainingDuring = null;
                    int chunks = 0;
                    while ((line = in.readLine()) != null && chunks < 3) {
                        if (line.toLowerCase(java.util.Locale.ROOT).startsWith("x-ratelimit-remaining-tokens:")) {
                            remainingDuring = line.substring(line.indexOf(':') + 1).trim();
                        }
                        if (line.startsWith("data: {")) {
                            chunks++;
                        }
                    }
                    assertEquals(3, chunks);
                    // While it streams, the whole estimate (8,000 output tokens + the prompt) is reserved.
                    assertTrue(Long.parseLong(remainingDuring) < 12_000, "remaining while streaming: " + remainingDuring);
                } // the client goes away after three chunks
                waitFor(() -> gw.metrics().inFlight() == 0);
                // Settled on what was produced (a few chunks, no usage reported): the reservation came
                // back and the concurrency slot too (max-concurrent = 1 would refuse this otherwise).
                HttpResponse<String> next = send(gw);
                assertEquals(200, next.statusCode(), next.body());
                long remaining = Long.parseLong(next.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow());
                assertTrue(remaining > 20_000 - 500, "remaining after the abandoned stream settled: " + remaining);
                assertTrue(remaining < 20_000 - 100, "the second request and the stream's output are taken: " + remaining);
            }
        }
    }

    @Test
    void spendSurvivesARestartOfTheGateway() throws Exception {
        AtomicInteger reached = new AtomicInteger();
        CountDownLatch open = new CountDownLatch(0);
        try (MockWebServer up = vendor(reached, open)) {
            try (GatewayServer gw = gateway(up, "budget-usd-per-day = 0.015", Clock.systemUTC())) {
                assertEquals(200, send(gw).statusCode());
                waitFor(() -> gw.metrics().inFlight() == 0);
                assertEquals(200, send(gw).statusCode(), "$0.01 of $0.015: still room");
                waitFor(() -> gw.metrics().inFlight() == 0);
                assertEquals(429, send(gw).statusCode());
            }
            // A new process reads the spend file: the day's $0.02 is still spent.
            try (GatewayServer gw = gateway(up, "budget-usd-per-day = 0.015", Clock.systemUTC())) {
                HttpResponse<String> r = send(gw);
                assertEquals(429, r.statusCode(), r.body());
                assertEquals("budget_exceeded", error(r).path("code").asText());
                assertEquals(0.02, gw.limiter().status(gw.snapshot().config().auth().keys().get(0)).spendUsdToday(), 1e-9);
            }
            assertEquals(2, reached.get());
        }
    }
}
