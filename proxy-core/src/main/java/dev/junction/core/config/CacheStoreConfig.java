package dev.junction.core.config;

import java.time.Duration;

/**
 * {@code junction.cache} (SPEC §7, docs/cache.md): where cached answers are kept. Which aliases
 * cache, for how long and how much is each alias's own {@code cache { ... }}.
 *
 * @param store        {@code local} (this process, Caffeine) or {@code redis} (shared by every instance)
 * @param redisUri     the Redis URI when {@code store = redis}, else null; may hold a password, so
 *                     {@link #toString()} does not show it
 * @param redisTimeout longest wait for one Redis round trip; a slower lookup is a miss
 */
public record CacheStoreConfig(String store, String redisUri, Duration redisTimeout) {

    /** The values of {@code reference.conf}. */
    public static final CacheStoreConfig DEFAULT = new CacheStoreConfig("local", null, Duration.ofMillis(200));

    public boolean redis() {
        return "redis".equals(store);
    }

    @Override
    public String toString() {
        return "CacheStoreConfig[" + store + (redisUri != null ? ", redis-uri=(set)" : "") + ", redis-timeout="
                + redisTimeout + "]";
    }
}
