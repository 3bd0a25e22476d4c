package dev.junction.core.config;

/**
 * {@code junction.metrics} (SPEC §8).
 *
 * @param enabled whether requests are recorded and {@code /metrics} is served; off, the request
 *                path records nothing (in-flight count aside) and {@code /metrics} answers 404
 */
public record MetricsConfig(boolean enabled) {

    /** The values of {@code reference.conf}. */
    public static final MetricsConfig DEFAULT = new MetricsConfig(true);
}
