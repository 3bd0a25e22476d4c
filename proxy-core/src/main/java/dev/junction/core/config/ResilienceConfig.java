package dev.junction.core.config;

/**
 * {@code junction.resilience} (SPEC §7).
 *
 * @param hedgeBudgetPercent hedged attempts may add at most this percentage of requests per alias
 */
public record ResilienceConfig(RetryConfig retry, CircuitBreakerConfig circuitBreaker, int hedgeBudgetPercent) {

    /** The values of {@code reference.conf}. */
    public static final ResilienceConfig DEFAULT = new ResilienceConfig(RetryConfig.DEFAULT, CircuitBreakerConfig.DEFAULT, 10);
}
