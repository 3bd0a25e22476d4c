package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;
import dev.junction.stream.GatewayError;

/**
 * The limiter's answer for one request (SPEC §7.1): admitted with what it reserved, or refused
 * with the SPEC §4 error and an accurate {@code Retry-After}. An admitted request must be settled
 * exactly once ({@link KeyLimiter#settle}), which gives back its concurrency slot and corrects its
 * token reservation to the reported usage.
 */
public final class Admission {

    /** How the limiter decided. */
    public enum Outcome { ADMITTED, RATE_LIMITED, CONCURRENCY_LIMITED, BUDGET_EXCEEDED, UNAVAILABLE }

    /** Which store holds the reservation: it is settled in the same place. */
    enum Store { NONE, LOCAL, REDIS }

    final Outcome outcome;
    final KeyConfig key;
    final String requestId;
    final long reservedTokens;
    final long retryAfterMillis;
    final RateHeaders headers;
    final Store store;
    /** For a budget refusal: "day" or "month". */
    final String period;
    /** Redis round trips this request has cost so far (reserve, settle). */
    int roundTrips;
    boolean settled;

    Admission(Outcome outcome, KeyConfig key, String requestId, long reservedTokens, long retryAfterMillis,
              RateHeaders headers, Store store, String period) {
        this.outcome = outcome;
        this.key = key;
        this.requestId = requestId;
        this.reservedTokens = reservedTokens;
        this.retryAfterMillis = retryAfterMillis;
        this.headers = headers;
        this.store = store;
        this.period = period;
    }

    public boolean admitted() {
        return outcome == Outcome.ADMITTED;
    }

    public Outcome outcome() {
        return outcome;
    }

    /** The rate-limit headers for the answer, or null when the key has no rpm / tpm. */
    public RateHeaders headers() {
        return headers;
    }

    public long reservedTokens() {
        return reservedTokens;
    }

    public long retryAfterMillis() {
        return retryAfterMillis;
    }

    public int redisRoundTrips() {
        return roundTrips;
    }

    /** The SPEC §4 error of a refusal. */
    public GatewayError error() {
        java.time.Duration after = java.time.Duration.ofMillis(Math.max(1, retryAfterMillis));
        long seconds = Math.max(1, (retryAfterMillis + 999) / 1000);
        String name = key.name();
        return switch (outcome) {
            case RATE_LIMITED -> GatewayError.tryLater(429, "rate_limit_error", "rate_limit_exceeded",
                    "The gateway key '" + name + "' is over its rate limit (" + describe(key) + "). Retry after "
                            + seconds + " s.", after);
            case CONCURRENCY_LIMITED -> GatewayError.tryLater(429, "rate_limit_error", "concurrency_limit_exceeded",
                    "The gateway key '" + name + "' already has " + key.maxConcurrent()
                            + " requests in flight (max-concurrent). Retry when one has finished.", after);
            case BUDGET_EXCEEDED -> GatewayError.fatal(429, "insufficient_quota", "budget_exceeded", null,
                    "The gateway key '" + name + "' has spent its budget for the current UTC " + period
                            + " (budget-usd-per-" + period + "). Raise the budget or wait for the next " + period + ".");
            case UNAVAILABLE -> GatewayError.tryLater(503, "upstream_error", "limits_unavailable",
                    "The shared limit store (Redis) is unreachable and junction.limits.on-store-failure = closed; "
                            + "retry shortly.", after);
            case ADMITTED -> throw new IllegalStateException("admitted");
        };
    }

    private static String describe(KeyConfig k) {
        StringBuilder b = new StringBuilder();
        if (k.rpm() != null) {
            b.append("rpm = ").append(k.rpm());
        }
        if (k.tpm() != null) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append("tpm = ").append(k.tpm());
        }
        return b.toString();
    }
}
