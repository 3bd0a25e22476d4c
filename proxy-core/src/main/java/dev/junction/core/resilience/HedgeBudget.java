package dev.junction.core.resilience;

import dev.junction.core.time.Ticker;

/**
 * Caps hedging so it cannot multiply load (SPEC §7): a token bucket that every primary request
 * fills by {@code ratio} of a token and that time fills by {@code minPerSecond} tokens a second, up
 * to {@code burst} tokens; every hedge empties it by one. Over any period of {@code t} seconds,
 * hedges ≤ ratio × requests + minPerSecond × t + burst, e.g. at most ~10% extra attempts with
 * {@code ratio = 0.1} under load, however slow the upstreams get.
 *
 * <p>The time-based reserve is Finagle's {@code RetryBudget} floor: a ratio alone never lets a
 * freshly started or low-traffic alias hedge (at 0.1 a token per request it takes ten requests to
 * earn one hedge, and a quiet alias never does), though that is where one hedge costs nothing. The
 * bucket starts with one second's reserve, so the first slow request after start can be hedged.
 * Time comes from an injected {@link Ticker} (DESIGN house rule 8). Fixed-point milli-tokens;
 * synchronized: a few arithmetic operations per request, far from any I/O.
 */
public final class HedgeBudget {

    private static final long ONE = 1000;

    private final long deposit;
    private final long max;
    /** Milli-tokens a second from the reserve; 0 for none. */
    private final long reservePerSecond;
    private final Ticker ticker;
    private long tokens;
    private long refilledAt;

    /** A ratio-only budget (no time-based reserve) that starts empty. */
    public HedgeBudget(double ratio, int burst) {
        this(ratio, burst, 0, Ticker.system());
    }

    /**
     * @param ratio        hedges allowed per request, in (0, 1]
     * @param burst        most tokens saved up (hedges allowed back to back after a quiet period), >= 1
     * @param minPerSecond hedges allowed per second whatever the traffic, >= 0
     */
    public HedgeBudget(double ratio, int burst, double minPerSecond, Ticker ticker) {
        if (!(ratio > 0 && ratio <= 1) || burst < 1 || !(minPerSecond >= 0)) {
            throw new IllegalArgumentException("hedge budget ratio must be in (0, 1], burst >= 1 and minPerSecond >= 0");
        }
        this.deposit = Math.max(1, Math.round(ratio * ONE));
        this.max = burst * ONE;
        this.reservePerSecond = Math.round(minPerSecond * ONE);
        this.ticker = ticker;
        this.refilledAt = ticker.nanos();
        this.tokens = Math.min(max, reservePerSecond);
    }

    /** A primary request started: adds {@code ratio} of a token. */
    public synchronized void onRequest() {
        refill();
        tokens = Math.min(max, tokens + deposit);
    }

    /** Takes a token for one hedge; false when the budget is spent. */
    public synchronized boolean tryAcquire() {
        refill();
        if (tokens < ONE) {
            return false;
        }
        tokens -= ONE;
        return true;
    }

    /** Tokens available now (for /admin/routes). */
    public synchronized double available() {
        refill();
        return tokens / (double) ONE;
    }

    private void refill() {
        if (reservePerSecond == 0) {
            return;
        }
        long now = ticker.nanos();
        long elapsed = now - refilledAt;
        long earned = elapsed / 1_000_000 * reservePerSecond / 1000; // milli-tokens over whole milliseconds
        if (earned <= 0) {
            return;
        }
        // Advance the clock only by the time actually paid for, so fractions are not lost.
        refilledAt += earned * 1000 / reservePerSecond * 1_000_000;
        tokens = Math.min(max, tokens + earned);
    }
}
