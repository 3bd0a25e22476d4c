package dev.junction.core.config;

import java.time.Duration;

/**
 * {@code junction.resilience.retry} or a provider's {@code retry} override (SPEC §7): exponential
 * backoff with full jitter.
 *
 * @param maxAttempts attempts in total, the first one included (1 = never retry)
 * @param base        backoff before the first retry (before jitter)
 * @param cap         largest backoff (before jitter)
 */
public record RetryConfig(int maxAttempts, Duration base, Duration cap) {

    /** The values of {@code reference.conf}. */
    public static final RetryConfig DEFAULT = new RetryConfig(3, Duration.ofMillis(100), Duration.ofSeconds(2));
}
