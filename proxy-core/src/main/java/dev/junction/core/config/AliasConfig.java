package dev.junction.core.config;

import java.time.Duration;
import java.util.List;

/**
 * One {@code junction.models.<alias>} entry.
 *
 * @param strategy priority | weighted | latency | cost
 * @param hedge    null when hedging is off
 * @param cache    null when the response cache is off for this alias
 */
public record AliasConfig(String name, String strategy, List<DeploymentConfig> deployments,
                          HedgeConfig hedge, CacheConfig cache) {

    public AliasConfig {
        deployments = List.copyOf(deployments);
    }

    /** {@code hedge { after = p95 | <duration>, max-extra = N }}; {@code afterFixed} null means p95. */
    public record HedgeConfig(Duration afterFixed, int maxExtra) {
    }

    /** {@code cache { ttl, max-entries, allow-temperature }}. */
    public record CacheConfig(Duration ttl, long maxEntries, boolean allowTemperature) {
    }
}
