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

    /**
     * {@code cache { ttl, max-entries, max-bytes, allow-temperature, shared }} (SPEC §7.1, docs/cache.md).
     *
     * @param maxBytes         the alias's entries together take at most this many bytes
     * @param allowTemperature answers to requests that sample ({@code temperature > 0}, or none given)
     *                         are cached too
     * @param shared           entries are shared by every gateway key, not kept per key
     */
    public record CacheConfig(Duration ttl, long maxEntries, long maxBytes, boolean allowTemperature, boolean shared) {

        /** Defaults for {@code max-bytes} (256 MiB) and {@code shared} (false). */
        public CacheConfig(Duration ttl, long maxEntries, boolean allowTemperature) {
            this(ttl, maxEntries, DEFAULT_MAX_BYTES, allowTemperature, false);
        }

        /** {@code alias-defaults.cache-max-bytes} of reference.conf. */
        public static final long DEFAULT_MAX_BYTES = 256L * 1024 * 1024;
    }
}
