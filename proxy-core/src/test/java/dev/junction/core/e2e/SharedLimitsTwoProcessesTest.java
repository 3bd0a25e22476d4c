package dev.junction.core.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.core.limits.RedisServer;
import okhttp3.mockwebserver.Dispatcher;
import okhttp3.mockwebserver.MockResponse;
import okhttp3.mockwebserver.MockWebServer;
import okhttp3.mockwebserver.RecordedRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two gateway processes (separate JVMs, {@link GatewayProcessMain}) and a real {@code redis-server} (SPEC §7.1 shared limits):
 * one rpm limit and one daily budget enforced across both, exactly, counted at the vendor; then
 * Redis is killed: the {@code open} gateway keeps serving with per-instance limits and says so in
 * {@code /readyz}, the {@code closed} one answers 503 {@code limits_unavailable}; Redis comes back
 * and both share again, without a restart.
 */
class SharedLimitsTwoProcessesTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    // 10 tokens at 1000 USD per million: 0.01 USD per request.
    private static final String ANSWER = """
        {"id":"c1","object":"chat.completion","created":1,"model":"priced-model",
         "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":5,"completion_tokens":5,"total_tokens":10}}""";
    private static final String BODY = "{\"model\":\"m\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"KEY\"}]}";

    @TempDir
    Path dir;

    @Test
    void oneLimitAndOneBudgetAcrossTwoProcessesAndARedisOutage() throws Exception {
        ConcurrentHashMap<String, AtomicInteger> atVendor = new ConcurrentHashMap<>();
        try (RedisServer redis = RedisServer.start(dir); MockWebServer up = new MockWebServer()) {
            up.setDispatcher(new Dispatcher() {
                @Override
                public MockResponse dispatch(RecordedRequest r) {
                    String body = r.getBody().readUtf8();
                    for (String k : List.of("rpm-key", "budget-key", "open-key")) {
                        if (body.contains(k)) {
                            atVendor.computeIfAbsent(k, x -> new AtomicInteger()).incrementAndGet();
                        }
                    }
                    return new MockResponse().setHeader("content-type", "application/json").setBody(ANSWER);
                }
            });
            up.start();
            Path catalog = dir.resolve("catalog.conf");
            Files.writeString(catalog, """
                "priced-model" { context-window = 100000, max-output = 1000, capabilities = [streaming]
                                 price { input = 1000.00, output = 1000.00 } }
                """);
            try (Gateway a = Gateway.start(dir, "a", config(up, catalog, redis, "open"));
                 Gateway b = Gateway.start(dir, "b", config(up, catalog, redis, "closed"))) {
              try {

                // rpm = 6 (one more request every 10 s): 12 concurrent requests over both processes.
                List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    burst.add(HTTP.sendAsync(chat(i % 2 == 0 ? a : b, "rpm-key"), HttpResponse.BodyHandlers.ofString()));
                }
                int ok = 0;
                for (CompletableFuture<HttpResponse<String>> f : burst) {
                    HttpResponse<String> r = f.get(30, TimeUnit.SECONDS);
                    if (r.statusCode() == 200) {
                        ok++;
                    } else {
                        assertEquals(429, r.statusCode(), r.body());
                        assertEquals("rate_limit_exceeded", JSON.readTree(r.body()).at("/error/code").asText());
                        assertTrue(r.headers().firstValue("retry-after").isPresent());
                    }
                }
                assertEquals(6, ok, "one rpm for both processes");
                assertEquals(6, atVendor.get("rpm-key").get(), "refused requests never reached the vendor");

                // Budget 0.05 USD a day, 0.01 per request, alternating between the processes: 5 pass.
                for (int i = 0; i < 5; i++) {
                    Gateway g = i % 2 == 0 ? a : b;
                    HttpResponse<String> r = HTTP.send(chat(g, "budget-key"), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), r.body());
                    double expected = 0.01 * (i + 1);
                    waitFor(() -> Math.abs(g.spend("budget-key") - expected) < 1e-9, "spend " + expected + " on " + g.name);
                }
                for (Gateway g : List.of(a, b)) {
                    HttpResponse<String> r = HTTP.send(chat(g, "budget-key"), HttpResponse.BodyHandlers.ofString());
                    assertEquals(429, r.statusCode(), r.body());
                    assertEquals("budget_exceeded", JSON.readTree(r.body()).at("/error/code").asText());
                    assertEquals("false", r.headers().firstValue("x-should-retry").orElse(null));
                }
                assertEquals(5, atVendor.get("budget-key").get());

                // Redis dies.
                redis.kill();
                for (int i = 0; i < 3; i++) {
                    HttpResponse<String> r = HTTP.send(chat(a, "open-key"), HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, r.statusCode(), "open: served per instance: " + r.body());
                }
                HttpResponse<String> ready = HTTP.send(get(a, "/readyz"), HttpResponse.BodyHandlers.ofString());
                assertEquals(200, ready.statusCode());
                assertEquals("degraded", JSON.readTree(ready.body()).get("limits").asText());
                assertTrue(a.metric("junction_limits_degraded{store=\"redis\"}") == 1.0);
                HttpResponse<String> refused = HTTP.send(chat(b, "open-key"), HttpResponse.BodyHandlers.ofString());
                assertEquals(503, refused.statusCode(), refused.body());
                assertEquals("limits_unavailable", JSON.readTree(refused.body()).at("/error/code").asText());
                assertTrue(refused.headers().firstValue("retry-after").isPresent());

                // Redis comes back (empty): both share it again without a restart.
                redis.restart();
                waitFor(() -> {
                    try {
                        return HTTP.send(chat(b, "open-key"), HttpResponse.BodyHandlers.ofString()).statusCode() == 200;
                    } catch (Exception e) {
                        return false;
                    }
                }, "the closed gateway serves again");
                waitFor(() -> {
                    try {
                        HTTP.send(chat(a, "open-key"), HttpResponse.BodyHandlers.ofString());
                        return JSON.readTree(HTTP.send(get(a, "/readyz"), HttpResponse.BodyHandlers.ofString()).body())
                                .get("limits").asText().equals("ok");
                    } catch (Exception e) {
                        return false;
                    }
                }, "the open gateway is no longer degraded");
                assertTrue(a.metric("junction_limits_redis_round_trips_total") > 0);
              } catch (Throwable t) {
                throw new AssertionError("gateway a log:\n" + tail(a.log) + "\ngateway b log:\n" + tail(b.log), t);
              }
            }
        }
    }

    private static String tail(Path log) throws IOException {
        String s = Files.readString(log);
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }

    private static String config(MockWebServer up, Path catalog, RedisServer redis, String onFailure) {
        return """
            junction {
              server { host = "127.0.0.1", port = PORT }
              auth { keys = [
                { name = "rpm-key", key = "k-rpm", rpm = 6 }
                { name = "budget-key", key = "k-budget", budget-usd-per-day = 0.05 }
                { name = "open-key", key = "k-open", rpm = 1000 }
                { name = "admin", key = "k-admin", admin = true }
              ] }
              providers { up { type = openai-compatible, base-url = "%s" } }
              models { "m" { deployments = [ { provider = up, model = "priced-model" } ] } }
              catalog = "%s"
              limits { store = redis, redis-uri = "%s", on-store-failure = %s, redis-timeout = 2s }
            }""".formatted(up.url("/v1"), catalog, redis.uri(), onFailure);
    }

    private static HttpRequest chat(Gateway g, String keyName) {
        String secret = switch (keyName) {
            case "rpm-key" -> "k-rpm";
            case "budget-key" -> "k-budget";
            default -> "k-open";
        };
        return HttpRequest.newBuilder(URI.create(g.base() + "/v1/chat/completions"))
                .header("authorization", "Bearer " + secret).header("content-type", "application/json")
                .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofString(BODY.replace("KEY", keyName))).build();
    }

    private static HttpRequest get(Gateway g, String path) {
        return HttpRequest.newBuilder(URI.create(g.base() + path)).header("authorization", "Bearer k-admin")
                .timeout(Duration.ofSeconds(10)).GET().build();
    }

    static void waitFor(java.util.function.BooleanSupplier c, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not reached in 30 s: " + what);
            }
            Thread.sleep(50);
        }
    }

    /** A gateway in its own JVM ({@link GatewayProcessMain}), stopped by its PID. */
    static final class Gateway implements AutoCloseable {
        final String name;
        final int port;
        final Process process;
        final Path log;

        private Gateway(String name, int port, Process process, Path log) {
            this.name = name;
            this.port = port;
            this.process = process;
            this.log = log;
        }

        static Gateway start(Path dir, String name, String config) throws Exception {
            int port;
            try (ServerSocket s = new ServerSocket(0)) {
                port = s.getLocalPort();
            }
            Path conf = dir.resolve(name + ".conf");
            Files.writeString(conf, config.replace("PORT", Integer.toString(port)));
            Path log = dir.resolve(name + ".log");
            String java = ProcessHandle.current().info().command().orElse("java");
            Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "-Xmx256m",
                    GatewayProcessMain.class.getName(), conf.toString())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
            Gateway g = new Gateway(name, port, p, log);
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (true) {
                try {
                    if (HTTP.send(HttpRequest.newBuilder(URI.create(g.base() + "/healthz")).GET().build(),
                            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
                        return g;
                    }
                } catch (IOException notYet) {
                    if (!p.isAlive() || System.nanoTime() > end) {
                        g.close();
                        throw new IllegalStateException("gateway " + name + " did not start: " + Files.readString(log));
                    }
                    Thread.sleep(100);
                }
            }
        }

        String base() {
            return "http://127.0.0.1:" + port;
        }

        double metric(String series) {
            try {
                String text = HTTP.send(get(this, "/metrics"), HttpResponse.BodyHandlers.ofString()).body();
                for (String line : text.split("\n")) {
                    if (line.startsWith(series + " ")) {
                        return Double.parseDouble(line.substring(series.length() + 1).trim());
                    }
                }
                return Double.NaN;
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }

        double spend(String key) {
            return metric("junction_key_spend_usd{key=\"" + key + "\",period=\"day\"}");
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
