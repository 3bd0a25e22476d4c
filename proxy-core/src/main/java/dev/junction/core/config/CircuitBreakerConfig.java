package dev.junction.core.config;

import java.time.Duration;

/**
 * {@code junction.resilience.circuit-breaker}, applied per deployment (SPEC §7). Opens when, over
 * the last {@code window}, at least {@code minimumRequests} finished and the failed share reached
 * {@code failureRate}; stays open {@code openFor}, then admits {@code halfOpenProbes} probes.
 */
public record CircuitBreakerConfig(double failureRate, int minimumRequests, Duration window, Duration openFor,
                                   int halfOpenProbes) {

    /** The values of {@code reference.conf}. */
    public static final CircuitBreakerConfig DEFAULT =
            new CircuitBreakerConfig(0.5, 20, Duration.ofSeconds(30), Duration.ofSeconds(30), 3);
}
