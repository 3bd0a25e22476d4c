package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.LimitsConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Redis store against a real {@code redis-server}: two limiters (as two instances would) share
 * one limit and one budget through the Lua scripts, exactly; Redis killed and restarted.
 */
class RedisKeyLimiterTest {

    @TempDir
    static Path dir;
    static RedisServer redis;

    @BeforeAll
    static void startRedis() throws Exception {
        redis = RedisServer.start(dir);
    }

    @AfterAll
    static void stopRedis() throws Exception {
        redis.close();
    }

    private static KeyLimiter limiter(boolean failOpen) {
        return KeyLimiter.open(new LimitsConfig("redis", redis.uri(), failOpen, null, Duration.ofMillis(500), 4096),
                Clock.systemUTC());
    }

    private static KeyConfig key(String name, Integer rpm, Long tpm, Integer maxConcurrent, Double day) {
        return new KeyConfig(name, "secret", List.of("*"), rpm, tpm, day, false, maxConcurrent, null);
    }

    private static Admission reserve(KeyLimiter l, KeyConfig k, long tokens, String id) {
        return l.reserve(k, tokens, id).toCompletableFuture().join();
    }

    @Test
    void twoInstancesShareOneTpmUnderConcurrency() throws Exception {
        try (KeyLimiter a = limiter(true); KeyLimiter b = limiter(true)) {
            KeyConfig k = key("shared-tpm", null, 10_000L, null, null);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Admission>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                KeyLimiter l = i % 2 == 0 ? a : b;
                String id = "r" + i;
                all.add(pool.submit(() -> {
                    go.await();
                    return reserve(l, k, 1000, id);
                }));
            }
            go.countDown();
            int admitted = 0;
            for (Future<Admission> f : all) {
                Admission x = f.get(10, TimeUnit.SECONDS);
                if (x.admitted()) {
                    admitted++;
                    assertEquals(1, x.redisRoundTrips());
                } else {
                    assertEquals(Admission.Outcome.RATE_LIMITED, x.outcome());
                    assertTrue(x.retryAfterMillis() > 5000 && x.retryAfterMillis() <= 6000, "retry " + x.retryAfterMillis());
                }
            }
            pool.shutdown();
            assertEquals(10, admitted, "one limit across both instances");
            assertFalse(a.degraded() || b.degraded());
        }
    }

    @Test
    void settleGivesBackTokensAndSlotsAndChargesOneSharedBudget() throws Exception {
        try (KeyLimiter a = limiter(true); KeyLimiter b = limiter(true)) {
            KeyConfig k = key("shared-budget", null, 5000L, 1, 1.0);
            Admission x = reserve(a, k, 5000, "x");
            assertTrue(x.admitted());
            assertEquals(Admission.Outcome.CONCURRENCY_LIMITED, reserve(b, k, 1, "y").outcome());
            a.settle(x, 100, 0.4);
            waitFor(() -> b.reserve(k, 4800, "probe").toCompletableFuture().join().admitted());
            // The probe was admitted: settle it (charging 0.4) from the other instance.
            Admission probe = new Admission(Admission.Outcome.ADMITTED, k, "probe", 4800, 0, null, Admission.Store.REDIS, null);
            b.settle(probe, 10, 0.4);
            Admission z = null;
            for (int i = 0; i < 200; i++) {
                z = reserve(a, k, 1, "z" + i);
                if (z.admitted()) {
                    a.settle(z, 1, 0.4); // 1.2 spent in all: the next check refuses
                    break;
                }
                Thread.sleep(20);
            }
            assertTrue(z != null && z.admitted());
            waitFor(() -> reserve(b, k, 1, "w").outcome() == Admission.Outcome.BUDGET_EXCEEDED);
            assertEquals(1.2, b.status(k).spendUsdToday(), 1e-9);
        }
    }

    @Test
    void redisKilledOpenServesPerInstanceClosedRefusesAndBothRecover() throws Exception {
        try (KeyLimiter open = limiter(true); KeyLimiter closed = limiter(false)) {
            KeyConfig k = key("outage", 1000, null, null, null);
            assertTrue(reserve(open, k, 1, "a").admitted());
            assertTrue(reserve(closed, k, 1, "b").admitted());
            redis.kill();
            waitFor(open::degraded);
            Admission served = reserve(open, k, 1, "c");
            assertTrue(served.admitted(), "open: served with per-instance limits");
            assertEquals(Admission.Store.LOCAL, served.store);
            Admission refused = reserve(closed, k, 1, "d");
            assertEquals(Admission.Outcome.UNAVAILABLE, refused.outcome());
            assertEquals(503, refused.error().status());
            assertEquals("limits_unavailable", refused.error().code());
            assertTrue(open.storeFailures() > 0);
            redis.restart();
            // Lettuce reconnects by itself; the scripts are loaded again (NOSCRIPT → EVAL).
            waitFor(() -> reserve(closed, k, 1, "e").admitted());
            waitFor(() -> {
                Admission x = reserve(open, k, 1, "f");
                return x.admitted() && x.store == Admission.Store.REDIS;
            });
            assertFalse(open.degraded());
            assertFalse(closed.degraded());
        }
    }

    static void waitFor(java.util.function.BooleanSupplier c) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!c.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("condition not met in 30 s");
            }
            Thread.sleep(20);
        }
    }
}
