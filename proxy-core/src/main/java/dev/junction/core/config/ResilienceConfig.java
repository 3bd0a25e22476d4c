package dev.junction.core.config;

/**
 * {@code junction.resilience} (SPEC §7).
 *
 * @param hedgeBudgetPercent hedged attempts may add at most this percentage of requests per alias
 * @param latencyRouting     the latency strategy's settings
 */
public record ResilienceConfig(RetryConfig retry, CircuitBreakerConfig circuitBreaker, int hedgeBudgetPercent,
                               LatencyRoutingConfig latencyRouting) {

    /** With the default latency-routing settings. */
    public ResilienceConfig(RetryConfig retry, CircuitBreakerConfig circuitBreaker, int hedgeBudgetPercent) {
        this(retry, circuitBreaker, hedgeBudgetPercent, LatencyRoutingConfig.DEFAULT);
    }

    /** The values of {@code reference.conf}. */
    public static final ResilienceConfig DEFAULT = new ResilienceConfig(RetryConfig.DEFAULT, CircuitBreakerConfig.DEFAULT, 10);
}
