package dev.junction.core.resilience;

import java.time.Duration;

/**
 * When and how much to hedge (SPEC §7): if the attempt in flight has produced no first byte after
 * the delay, another attempt starts on another deployment; the first to produce a byte wins and the
 * caller cancels the rest. The delay is the deployment's recent p95 time-to-first-token
 * ({@code hedge { after = p95 }}) or a fixed duration ({@code after = 800ms}), never below the
 * floor. With p95 and too few samples to know it, no hedge is started: a guess could double the
 * load of a deployment that is merely new. Every hedge also needs a token from the shared
 * {@link HedgeBudget}.
 *
 * @param fixedDelay null to hedge after the p95
 * @param floor      smallest delay ever used
 * @param maxExtra   hedges per request at most
 * @param budget     shared by every request of the alias
 */
public record HedgePolicy(Duration fixedDelay, Duration floor, int maxExtra, HedgeBudget budget) {

    /** Returned by {@link #delayNanos} when no hedge should start. */
    public static final long NO_HEDGE = -1;

    public HedgePolicy {
        if (maxExtra < 0) {
            throw new IllegalArgumentException("hedge.max-extra must be >= 0");
        }
    }

    /**
     * The delay after which to hedge an attempt on a deployment whose p95 TTFT is {@code p95Nanos}
     * ({@code <= 0} when not known yet), or {@link #NO_HEDGE}.
     */
    public long delayNanos(long p95Nanos) {
        if (maxExtra == 0) {
            return NO_HEDGE;
        }
        long floorNanos = floor.toNanos();
        if (fixedDelay != null) {
            return Math.max(fixedDelay.toNanos(), floorNanos);
        }
        if (p95Nanos <= 0) {
            return NO_HEDGE;
        }
        return Math.max(p95Nanos, floorNanos);
    }

    /** Call once per primary request: it earns the budget its share. */
    public void onRequest() {
        budget.onRequest();
    }

    /**
     * Whether hedge number {@code extraStarted + 1} may start now: under {@code maxExtra} and with a
     * budget token (taken when true).
     */
    public boolean tryStartHedge(int extraStarted) {
        return extraStarted < maxExtra && budget.tryAcquire();
    }
}
