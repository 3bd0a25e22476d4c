package dev.junction.core.e2e;

import dev.junction.core.config.ConfigLoader;
import dev.junction.core.limits.RedisServer;
import dev.junction.core.server.GatewayServer;
import dev.junction.simulator.SimulatorOptions;
import dev.junction.simulator.VendorSimulator;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two gateway instances sharing one cache through a real {@code redis-server} (docs/cache.md
 * {@code junction.cache.store = redis}): what one stored the other replays, the alias's bounds hold
 * in Redis, and an unreachable Redis only costs the cache, never the request.
 */
class SharedCacheTwoGatewaysTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path dir;
    private RedisServer redis;
    private VendorSimulator sim;
    private GatewayServer a;
    private GatewayServer b;

    @BeforeEach
    void start() throws Exception {
        redis = RedisServer.start(dir);
        sim = VendorSimulator.start(SimulatorOptions.builder().tokensPerSecond(0).build());
        String conf = """
            junction {
              server { host = "127.0.0.1", port = 0 }
              cache { store = redis, redis-uri = "%s" }
              providers { sim { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1", api-key = "sk-sim-0123456789" } }
              models {
                "gpt" { deployments = [ { provider = sim, model = "sim-chat-1" } ]
                        cache { ttl = 10m, max-entries = 3, max-bytes = 1m } }
              }
            }""".formatted(redis.uri(), sim.port());
        a = GatewayServer.start(ConfigLoader.loadString(conf));
        b = GatewayServer.start(ConfigLoader.loadString(conf));
    }

    @AfterEach
    void stop() throws Exception {
        if (a != null) {
            a.close();
        }
        if (b != null) {
            b.close();
        }
        sim.close();
        redis.close();
    }

    private static HttpResponse<String> chat(GatewayServer gw, String prompt, boolean stream) throws Exception {
        String body = "{\"model\":\"gpt\",\"temperature\":0," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(20)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String cache(HttpResponse<?> r) {
        return r.headers().firstValue("x-junction-cache").orElse(null);
    }

    private static List<String> events(String body) {
        List<String> out = new ArrayList<>();
        for (String e : body.split("\n\n")) {
            if (!e.isBlank() && !e.startsWith(":")) {
                out.add(e.replaceFirst("\"id\":\"[^\"]*\"", "\"id\":\"-\"").replaceFirst("\"created\":\\d+", "\"created\":0"));
            }
        }
        return out;
    }

    @Test
    void whatOneInstanceStoredTheOtherReplays() throws Exception {
        String prompt = "Shared " + UUID.randomUUID() + " [[sim tokens=9]]";
        HttpResponse<String> miss = chat(a, prompt, true);
        assertEquals("miss", cache(miss));
        // The put reaches Redis just after the answer: until it does, B misses (and asks the vendor).
        HttpResponse<String> hit = waitForHit(b, prompt, true);
        int calls = sim.requests().size();
        assertEquals(events(miss.body()), events(hit.body()), "the other instance replays the same events");
        HttpResponse<String> unary = chat(b, prompt, false);
        assertEquals("hit", cache(unary));
        assertTrue(unary.body().contains("\"object\":\"chat.completion\""), unary.body());
        assertEquals(calls, sim.requests().size(), "the unary hit did not reach the vendor");
    }

    /** A put is sent to Redis after the answer: the other instance sees it within a round trip or two. */
    private static HttpResponse<String> waitForHit(GatewayServer gw, String prompt, boolean stream) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (true) {
            HttpResponse<String> r = chat(gw, prompt, stream);
            if ("hit".equals(cache(r)) || System.nanoTime() > end) {
                assertEquals("hit", cache(r));
                return r;
            }
            Thread.sleep(20);
        }
    }

    @Test
    void theAliasBoundsHoldInRedis() throws Exception {
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            String p = "Bound " + i + " " + UUID.randomUUID() + " [[sim tokens=4]]";
            prompts.add(p);
            assertEquals("miss", cache(chat(i % 2 == 0 ? a : b, p, false)));
        }
        waitForHit(a, prompts.get(4), false);
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            assertEquals(3L, c.sync().zcard("junction:cache:{gpt}:index"), "max-entries = 3");
            long bytes = Long.parseLong(c.sync().get("junction:cache:{gpt}:bytes"));
            assertTrue(bytes > 0 && bytes <= 1024 * 1024, "bytes " + bytes);
            assertEquals(3L, c.sync().keys("junction:cache:{gpt}:*").stream().filter(k -> k.length() > 60).count(),
                    "the dropped entries are gone");
        } finally {
            client.shutdown();
        }
        assertEquals("miss", cache(chat(b, prompts.get(0), false)), "the oldest entry made room");
    }

    @Test
    void anUnreachableRedisCostsTheCacheNotTheRequest() throws Exception {
        redis.kill();
        HttpResponse<String> r = chat(a, "Down " + UUID.randomUUID() + " [[sim tokens=3]]", false);
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("miss", cache(r));
        HttpResponse<String> s = chat(b, "Down " + UUID.randomUUID() + " [[sim tokens=3]]", true);
        assertEquals(200, s.statusCode());
        assertTrue(s.body().endsWith("data: [DONE]\n\n"), s.body());
    }

    /**
     * Redis stopped and started again under a running gateway: every request is answered by the
     * vendor while it is gone (a miss, promptly: the lookup's timeout, no error), the failures are
     * counted in /metrics, and once Redis is back the cache works again without a restart.
     */
    @Test
    void aRedisOutageIsServedByTheVendorCountedAndRecoveredFrom() throws Exception {
        String before = "Before " + UUID.randomUUID() + " [[sim tokens=3]]";
        assertEquals("miss", cache(chat(a, before, false)));
        waitForHit(a, before, false);
        double failuresBefore = metric(a, "junction_cache_store_failures_total");

        redis.kill();
        int calls = sim.requests().size();
        for (int i = 0; i < 3; i++) {
            long start = System.nanoTime();
            HttpResponse<String> r = chat(a, before, i % 2 == 1);
            long ms = (System.nanoTime() - start) / 1_000_000;
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("miss", cache(r), "the entry cannot be read: the vendor answers");
            assertTrue(ms < 5_000, "answered without waiting on Redis: " + ms + " ms");
            if (i % 2 == 1) {
                assertTrue(r.body().endsWith("data: [DONE]\n\n"), r.body());
            }
        }
        assertEquals(calls + 3, sim.requests().size(), "each request was served by the vendor");
        assertTrue(metric(a, "junction_cache_store_failures_total") >= failuresBefore + 3,
                "every failed lookup is counted");

        redis.restart(); // empty: what was stored before is gone with the old process
        String after = "After " + UUID.randomUUID() + " [[sim tokens=3]]";
        long end = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (true) {
            HttpResponse<String> r = chat(a, after, false);
            assertEquals(200, r.statusCode(), r.body());
            if ("hit".equals(cache(r))) {
                break; // reconnected: stored, then read back
            }
            assertTrue(System.nanoTime() < end, "the cache did not recover within 15 s of Redis returning");
            Thread.sleep(100);
        }
        assertEquals("hit", cache(chat(b, after, false)), "the other instance reads it too");
    }

    private static double metric(GatewayServer gw, String series) throws Exception {
        HttpResponse<String> m = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gw.port() + "/metrics"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, m.statusCode(), m.body());
        for (String line : m.body().split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + series + " in /metrics: " + m.body());
    }

    /** An entry is gone from Redis once the alias's ttl has passed (SET ... PX): the next request misses. */
    @Test
    void anEntryExpiresAfterTheTtlInRedis() throws Exception {
        a.close();
        b.close();
        b = null;
        a = GatewayServer.start(ConfigLoader.loadString("""
            junction {
              server { host = "127.0.0.1", port = 0 }
              cache { store = redis, redis-uri = "%s" }
              providers { sim { type = openai-compatible, base-url = "http://127.0.0.1:%d/v1", api-key = "sk-sim-0123456789" } }
              models { "gpt" { deployments = [ { provider = sim, model = "sim-chat-1" } ], cache { ttl = 1500ms } } }
            }""".formatted(redis.uri(), sim.port())));
        String prompt = "Ttl " + UUID.randomUUID() + " [[sim tokens=3]]";
        long stored = System.nanoTime();
        assertEquals("miss", cache(chat(a, prompt, false)));
        waitForHit(a, prompt, false);
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> c = client.connect()) {
            String key = c.sync().keys("junction:cache:{gpt}:*").stream().filter(k -> k.length() > 60).findFirst()
                    .orElseThrow();
            long pttl = c.sync().pttl(key);
            assertTrue(pttl > 0 && pttl <= 1500, "the entry lives ttl ms in Redis: " + pttl);
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (c.sync().exists(key) == 1) {
                assertTrue(System.nanoTime() < end, "the entry outlived its ttl");
                Thread.sleep(50);
            }
        } finally {
            client.shutdown();
        }
        assertTrue(System.nanoTime() - stored >= Duration.ofMillis(1500).toNanos(), "not before the ttl");
        assertEquals("miss", cache(chat(a, prompt, false)), "expired: asked of the vendor again");
    }
}
