package dev.junction.core.resilience;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps hedging so it cannot multiply load (SPEC §7): a token bucket that every primary request
 * fills by {@code ratio} of a token, up to {@code burst} tokens, and every hedge empties by one.
 * Over any long run, hedges ≤ ratio × requests + burst, e.g. at most ~10% extra attempts with
 * {@code ratio = 0.1}, however slow the upstreams get. Lock-free (fixed-point milli-tokens).
 */
public final class HedgeBudget {

    private static final long ONE = 1000;

    private final long deposit;
    private final long max;
    private final AtomicLong tokens;

    /**
     * @param ratio hedges allowed per request, in (0, 1]
     * @param burst most tokens saved up (hedges allowed back to back after a quiet period), >= 1
     */
    public HedgeBudget(double ratio, int burst) {
        if (!(ratio > 0 && ratio <= 1) || burst < 1) {
            throw new IllegalArgumentException("hedge budget ratio must be in (0, 1] and burst >= 1");
        }
        this.deposit = Math.max(1, Math.round(ratio * ONE));
        this.max = burst * ONE;
        this.tokens = new AtomicLong(0);
    }

    /** A primary request started: adds {@code ratio} of a token. */
    public void onRequest() {
        while (true) {
            long t = tokens.get();
            if (t >= max) {
                return;
            }
            if (tokens.compareAndSet(t, Math.min(max, t + deposit))) {
                return;
            }
        }
    }

    /** Takes a token for one hedge; false when the budget is spent. */
    public boolean tryAcquire() {
        while (true) {
            long t = tokens.get();
            if (t < ONE) {
                return false;
            }
            if (tokens.compareAndSet(t, t - ONE)) {
                return true;
            }
        }
    }

    /** Tokens available now (for /admin/routes). */
    public double available() {
        return tokens.get() / (double) ONE;
    }
}
