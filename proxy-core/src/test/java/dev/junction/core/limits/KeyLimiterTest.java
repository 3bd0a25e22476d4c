package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.LimitsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The local store's arithmetic on an injected clock (SPEC §7.1). */
class KeyLimiterTest {

    @TempDir
    Path dir;

    private KeyLimiter limiter(MutableClock clock) {
        return KeyLimiter.open(new LimitsConfig("local", null, true, dir.resolve("limits.db"), Duration.ofMillis(250), 4096),
                clock);
    }

    private static KeyConfig key(Integer rpm, Long tpm, Integer maxConcurrent, Double day, Double month) {
        return new KeyConfig("app", "secret", List.of("*"), rpm, tpm, day, false, maxConcurrent, month);
    }

    private static Admission reserve(KeyLimiter l, KeyConfig k, long tokens) {
        return l.reserve(k, tokens, "req").toCompletableFuture().join();
    }

    @Test
    void tpmReservesTheEstimateAndSettlesOnUsageWithAnAccurateRetryAfter() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
        try (KeyLimiter l = limiter(clock)) {
            KeyConfig k = key(null, 6000L, null, null, null);
            Admission a = reserve(l, k, 4000);
            assertTrue(a.admitted());
            assertEquals(2000, a.headers().remainingTokens());
            assertEquals(6000, a.headers().limitTokens());
            assertEquals(40_000, a.headers().resetTokensMillis(), "4000 of 6000 per minute come back in 40 s");
            Admission b = reserve(l, k, 3000);
            assertFalse(b.admitted());
            assertEquals(Admission.Outcome.RATE_LIMITED, b.outcome());
            assertEquals(10_000, b.retryAfterMillis(), "1000 missing tokens at 100 per second");
            assertEquals(429, b.error().status());
            assertEquals("rate_limit_exceeded", b.error().code());
            assertEquals(10_000, b.error().retryAfter().toMillis());
            // The first request used only 500 tokens: 3500 come back at once.
            l.settle(a, 500, 0);
            assertTrue(reserve(l, k, 3000).admitted());
            // Retry-After is accurate: refused now, admitted exactly when it says.
            Admission c = reserve(l, k, 6000);
            assertFalse(c.admitted());
            clock.advance(c.retryAfterMillis() - 1);
            assertFalse(reserve(l, k, 6000).admitted());
            clock.advance(1);
            assertTrue(reserve(l, k, 6000).admitted());
        }
    }

    @Test
    void rpmRefillsSmoothlySoTheMinuteBoundaryAdmitsNoSecondBurst() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
        try (KeyLimiter l = limiter(clock)) {
            KeyConfig k = key(60, null, null, null, null);
            clock.set(Instant.parse("2026-12-02T10:00:59.900Z"));
            for (int i = 0; i < 60; i++) {
                assertTrue(reserve(l, k, 1).admitted(), "the full bucket admits a burst of the limit");
            }
            assertFalse(reserve(l, k, 1).admitted());
            clock.set(Instant.parse("2026-12-02T10:01:00.100Z")); // a new clock minute, 200 ms later
            assertFalse(reserve(l, k, 1).admitted(), "no fresh burst at the minute boundary");
            clock.advance(800); // one second after the burst: one request's worth has come back
            Admission a = reserve(l, k, 1);
            assertTrue(a.admitted());
            assertEquals(0, a.headers().remainingRequests());
            assertFalse(reserve(l, k, 1).admitted());
        }
    }

    @Test
    void maxConcurrentCountsRequestsInFlight() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
        try (KeyLimiter l = limiter(clock)) {
            KeyConfig k = key(null, null, 2, null, null);
            Admission a = reserve(l, k, 1);
            Admission b = reserve(l, k, 1);
            Admission c = reserve(l, k, 1);
            assertTrue(a.admitted() && b.admitted());
            assertEquals(Admission.Outcome.CONCURRENCY_LIMITED, c.outcome());
            assertEquals("concurrency_limit_exceeded", c.error().code());
            assertNotNull(c.error().retryAfter());
            l.settle(a, 1, 0);
            l.settle(a, 1, 0); // settling twice gives back one slot only
            assertTrue(reserve(l, k, 1).admitted());
            assertFalse(reserve(l, k, 1).admitted());
        }
    }

    @Test
    void dailyBudgetIsCheckedBeforeChargedAfterAndStartsAgainAtUtcMidnight() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T23:59:58Z"));
        try (KeyLimiter l = limiter(clock)) {
            KeyConfig k = key(null, null, null, 1.0, null);
            Admission a = reserve(l, k, 1);
            assertTrue(a.admitted());
            l.settle(a, 1, 0.6);
            Admission b = reserve(l, k, 1);
            assertTrue(b.admitted(), "0.60 spent of 1.00: still allowed");
            l.settle(b, 1, 0.6); // charged after: the spend may pass the budget by one request
            assertEquals(1.2, l.status(k).spendUsdToday(), 1e-9);
            Admission c = reserve(l, k, 1);
            assertEquals(Admission.Outcome.BUDGET_EXCEEDED, c.outcome());
            assertEquals("budget_exceeded", c.error().code());
            assertEquals("insufficient_quota", c.error().type());
            assertFalse(c.error().clientRetryable(), "x-should-retry: false");
            clock.advance(1_999); // 23:59:59.999 UTC
            assertFalse(reserve(l, k, 1).admitted());
            clock.advance(1); // 00:00:00.000 UTC, the next day
            assertTrue(reserve(l, k, 1).admitted());
            assertEquals(0, l.status(k).spendUsdToday(), 1e-9);
            assertEquals(1.2, l.status(k).spendUsdThisMonth(), 1e-9, "the month goes on");
        }
    }

    @Test
    void monthlyBudgetSpansDaysAndStartsAgainOnTheFirstOfTheMonthUtc() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-29T12:00:00Z"));
        try (KeyLimiter l = limiter(clock)) {
            KeyConfig k = key(null, null, null, null, 2.0);
            for (int day = 0; day < 2; day++) {
                Admission a = reserve(l, k, 1);
                assertTrue(a.admitted());
                l.settle(a, 1, 1.0);
                clock.advance(TimeUnit.DAYS.toMillis(1)); // 30 Nov, then 1 Dec
            }
            clock.set(Instant.parse("2026-11-30T23:59:59.999Z"));
            Admission refused = reserve(l, k, 1);
            assertEquals(Admission.Outcome.BUDGET_EXCEEDED, refused.outcome());
            assertTrue(refused.error().message().contains("month"), refused.error().message());
            clock.set(Instant.parse("2026-12-01T00:00:00Z"));
            assertTrue(reserve(l, k, 1).admitted());
        }
    }

    @Test
    void spendSurvivesARestart() {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
        KeyConfig k = key(null, null, null, 1.0, 10.0);
        try (KeyLimiter l = limiter(clock)) {
            Admission a = reserve(l, k, 1);
            l.settle(a, 1, 0.75);
            l.settle(reserve(l, k, 1), 1, 0.25);
        }
        try (KeyLimiter l = limiter(clock)) {
            assertEquals(1.0, l.status(k).spendUsdToday(), 1e-9);
            assertEquals(1.0, l.status(k).spendUsdThisMonth(), 1e-9);
            assertEquals(Admission.Outcome.BUDGET_EXCEEDED, reserve(l, k, 1).outcome(), "the day's spend was kept");
            clock.advance(TimeUnit.DAYS.toMillis(1));
            assertTrue(reserve(l, k, 1).admitted());
            assertEquals(1.0, l.status(k).spendUsdThisMonth(), 1e-9);
        }
    }

    @Test
    void fiftyConcurrentReservationsAgainstATpmThatAdmitsTenAdmitExactlyTen() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-12-02T10:00:00Z"));
        try (KeyLimiter l = limiter(clock)) {
            KeyConfig k = key(null, 10_000L, null, null, null);
            ExecutorService pool = Executors.newFixedThreadPool(16);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Admission>> all = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                all.add(pool.submit(() -> {
                    go.await();
                    return reserve(l, k, 1000);
                }));
            }
            go.countDown();
            int admitted = 0;
            for (Future<Admission> f : all) {
                Admission a = f.get(10, TimeUnit.SECONDS);
                if (a.admitted()) {
                    admitted++;
                } else {
                    assertEquals(Admission.Outcome.RATE_LIMITED, a.outcome());
                    assertEquals(6000, a.retryAfterMillis(), "1000 tokens at 10000 per minute");
                }
            }
            pool.shutdown();
            assertEquals(10, admitted);
        }
    }

    @Test
    void openAiResetDurations() {
        assertEquals("0ms", RateHeaders.duration(0));
        assertEquals("20ms", RateHeaders.duration(20));
        assertEquals("1s", RateHeaders.duration(1000));
        assertEquals("1.5s", RateHeaders.duration(1500));
        assertEquals("6m0s", RateHeaders.duration(360_000));
        assertEquals("1m2.25s", RateHeaders.duration(62_250));
    }
}
