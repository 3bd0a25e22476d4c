package dev.junction.core.resilience;

import dev.junction.core.time.FakeTicker;
import dev.junction.core.time.RandomSource;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HedgePolicyTest {

    @Test
    void budgetCapsHedgingAtTheRatio() {
        HedgePolicy policy = new HedgePolicy(null, Duration.ofMillis(50), 1, new HedgeBudget(0.1, 10));
        int requests = 10_000;
        int hedges = 0;
        for (int i = 0; i < requests; i++) {
            policy.onRequest();
            if (policy.tryStartHedge(0)) {   // every request is slow and wants a hedge
                hedges++;
            }
        }
        assertTrue(hedges <= requests * 0.1 + 10, "hedges " + hedges);
        assertTrue(hedges >= requests * 0.1 - 1, "the budget is usable: " + hedges);
    }

    @Test
    void budgetIsSavedUpToTheBurstOnly() {
        HedgeBudget budget = new HedgeBudget(0.5, 3);
        for (int i = 0; i < 100; i++) {
            budget.onRequest();
        }
        assertEquals(3.0, budget.available());
        assertTrue(budget.tryAcquire() && budget.tryAcquire() && budget.tryAcquire());
        assertFalse(budget.tryAcquire());
    }

    @Test
    void budgetCapHoldsUnderRandomDemand() {
        HedgePolicy policy = new HedgePolicy(null, Duration.ofMillis(50), 2, new HedgeBudget(0.1, 10));
        RandomSource random = RandomSource.seeded(7);
        int requests = 50_000;
        int hedges = 0;
        for (int i = 0; i < requests; i++) {
            policy.onRequest();
            int extra = 0;
            while (random.nextDouble() < 0.6 && policy.tryStartHedge(extra)) {
                extra++;
            }
            hedges += extra;
        }
        assertTrue(Math.abs(hedges / (double) requests - 0.1) < 0.005, "hedge ratio " + hedges / (double) requests);
    }

    @Test
    void maxExtraLimitsHedgesPerRequest() {
        HedgePolicy policy = new HedgePolicy(null, Duration.ZERO, 1, new HedgeBudget(1.0, 100));
        for (int i = 0; i < 10; i++) {
            policy.onRequest();
        }
        assertTrue(policy.tryStartHedge(0));
        assertFalse(policy.tryStartHedge(1));
    }

    @Test
    void delayIsP95OrFixedWithAFloor() {
        HedgeBudget b = new HedgeBudget(0.1, 1);
        HedgePolicy p95 = new HedgePolicy(null, Duration.ofMillis(50), 1, b);
        assertEquals(Duration.ofMillis(800).toNanos(), p95.delayNanos(Duration.ofMillis(800).toNanos()));
        assertEquals(Duration.ofMillis(50).toNanos(), p95.delayNanos(Duration.ofMillis(10).toNanos()));
        assertEquals(HedgePolicy.NO_HEDGE, p95.delayNanos(-1), "no p95 known yet: no hedge");
        HedgePolicy fixed = new HedgePolicy(Duration.ofMillis(300), Duration.ofMillis(50), 1, b);
        assertEquals(Duration.ofMillis(300).toNanos(), fixed.delayNanos(-1));
        assertEquals(HedgePolicy.NO_HEDGE, new HedgePolicy(null, Duration.ZERO, 0, b).delayNanos(1000));
    }

    @Test
    void aColdBudgetWithAReserveHedgesAtOnceAndRefillsWithTimeNotOnlyWithRequests() {
        FakeTicker clock = new FakeTicker();
        HedgeBudget budget = new HedgeBudget(0.1, 10, 1, clock);
        HedgePolicy policy = new HedgePolicy(Duration.ofMillis(200), Duration.ofMillis(50), 1, budget);
        policy.onRequest();
        assertTrue(policy.tryStartHedge(0), "the first slow request after start is hedged");
        policy.onRequest();
        assertFalse(policy.tryStartHedge(0), "the reserve is one hedge a second, not unlimited");
        // 0.2 of a token left from the two requests; the reserve adds the remaining 0.8 in 800 ms.
        clock.advanceMillis(799);
        assertFalse(budget.tryAcquire());
        clock.advanceMillis(1);
        assertTrue(budget.tryAcquire(), "a quiet alias earns a hedge a second with no traffic at all");
        clock.advanceMillis(60_000);
        assertEquals(10.0, budget.available(), 1e-9, "the reserve saves up to the burst only");
    }

    @Test
    void underLoadTheReserveAddsAtMostItsRatePerSecond() {
        FakeTicker clock = new FakeTicker();
        HedgeBudget budget = new HedgeBudget(0.1, 10, 1, clock);
        int hedges = 0;
        // 10 seconds at 1,000 requests a second, every request wanting a hedge.
        for (int i = 0; i < 10_000; i++) {
            budget.onRequest();
            if (budget.tryAcquire()) {
                hedges++;
            }
            clock.advanceMillis(1);
        }
        assertTrue(hedges <= 10_000 * 0.1 + 10 + 1 + 10, "hedges " + hedges);
        assertTrue(hedges >= 10_000 * 0.1, "hedges " + hedges);
    }

    @Test
    void aRatioOnlyBudgetStillStartsEmpty() {
        assertFalse(new HedgeBudget(0.1, 10).tryAcquire());
        assertFalse(new HedgeBudget(0.1, 10, 0, new FakeTicker()).tryAcquire());
    }
}
