package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.LimitsConfig;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static dev.junction.core.limits.RedisKeyLimiterTest.waitFor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code on-store-failure = open}: spend that two instances count by themselves while a real
 * {@code redis-server} is down (SIGKILL) is added to the shared spend when it comes back, exactly, so
 * the one budget holds across both instances afterwards instead of drifting apart per replica.
 * Redis keeps its data across the kill (append-only file, fsync always), as a production Redis
 * holding budgets would.
 */
class RedisSpendReconcileTest {

    @TempDir
    Path dir;

    private static KeyLimiter limiter(RedisServer redis) {
        return KeyLimiter.open(new LimitsConfig("redis", redis.uri(), true, null, Duration.ofMillis(500), 4096),
                Clock.systemUTC());
    }

    private static Admission reserve(KeyLimiter l, KeyConfig k, String id) {
        return l.reserve(k, 10, id).toCompletableFuture().join();
    }

    private static long spend(StatefulRedisConnection<String, String> c, String period) {
        String v = c.sync().get("junction:limits:{reconciled}:spend:" + period);
        return v == null ? 0 : Long.parseLong(v);
    }

    @Test
    void spendCountedPerInstanceDuringAnOutageIsAddedToRedisWhenItComesBack() throws Exception {
        // A $1.00 daily budget shared by two instances.
        KeyConfig k = new KeyConfig("reconciled", "secret", List.of("*"), null, null, 1.0, false, null, 10.0);
        String day = LocalLimitStore.dayId(System.currentTimeMillis());
        String month = LocalLimitStore.monthId(System.currentTimeMillis());
        try (RedisServer redis = RedisServer.start(dir, true);
             KeyLimiter a = limiter(redis);
             KeyLimiter b = limiter(redis)) {
            waitFor(() -> !a.degraded() && !b.degraded()); // connected (Redis may still be loading its file)
            Admission before = reserve(a, k, "before");
            assertEquals(Admission.Store.REDIS, before.store);
            a.settle(before, 10, 0.20);
            Admission straddling = reserve(b, k, "straddling"); // reserved in Redis, settled during the outage
            assertEquals(Admission.Store.REDIS, straddling.store);
            RedisClient client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                waitFor(() -> spend(c, day) == 200_000_000L);
            } finally {
                client.shutdown();
            }

            redis.kill();
            waitFor(() -> a.degraded() && b.degraded());
            Admission onA = reserve(a, k, "outage-a");
            Admission onB = reserve(b, k, "outage-b");
            assertTrue(onA.admitted() && onB.admitted(), "open: served with per-instance limits");
            assertEquals(Admission.Store.LOCAL, onA.store);
            assertEquals(Admission.Store.LOCAL, onB.store);
            a.settle(onA, 10, 0.30);
            b.settle(onB, 10, 0.25);
            b.settle(straddling, 10, 0.05);
            assertEquals(300_000_000L, a.unreconciledNanos());
            assertEquals(300_000_000L, b.unreconciledNanos());

            redis.restart();
            // Within about a second of each instance reconnecting, what it owes is added to Redis.
            waitFor(() -> a.unreconciledNanos() == 0 && b.unreconciledNanos() == 0);
            assertFalse(a.degraded() || b.degraded());
            client = RedisClient.create(redis.uri());
            try (StatefulRedisConnection<String, String> c = client.connect()) {
                // 0.20 before + 0.30 + 0.25 + 0.05 during the outage, to the nano-dollar.
                assertEquals(800_000_000L, spend(c, day));
                assertEquals(800_000_000L, spend(c, month));
                assertTrue(c.sync().ttl("junction:limits:{reconciled}:spend:" + day) > 0, "the day's spend still expires");
            } finally {
                client.shutdown();
            }
            assertEquals(0.60, a.reconciledSpendUsd() + b.reconciledSpendUsd(), 1e-9);

            // The budget now holds across both instances: $0.80 spent, one more $0.25 request passes
            // the check and reaches $1.05, after which neither instance admits another. (Without the
            // outage's spend Redis would hold $0.45 and both would go on admitting.)
            Admission last = reserve(a, k, "last");
            assertTrue(last.admitted(), last.outcome().toString());
            assertEquals(Admission.Store.REDIS, last.store);
            a.settle(last, 10, 0.25);
            waitFor(() -> reserve(b, k, "after-b").outcome() == Admission.Outcome.BUDGET_EXCEEDED);
            assertEquals(Admission.Outcome.BUDGET_EXCEEDED, reserve(a, k, "after-a").outcome());
            assertEquals(1.05, b.status(k).spendUsdToday(), 1e-9);
        }
    }
}
