package dev.junction.core.cache;

import dev.junction.core.config.AliasConfig;

import java.util.concurrent.CompletionStage;

/**
 * Where encoded {@link CacheEntry}s are kept: this process ({@link LocalCacheStore}) or a Redis
 * shared by every instance ({@link RedisCacheStore}). Each alias's entries are bounded by its own
 * {@code ttl}, {@code max-entries} and {@code max-bytes}. Thread-safe; never blocks the caller.
 */
interface CacheStore extends AutoCloseable {

    /** The entry under {@code key}, or null (also when the store failed: a failed lookup is a miss). */
    CompletionStage<byte[]> get(String alias, AliasConfig.CacheConfig config, String key);

    /** Keeps {@code value} under {@code key}, making room by dropping the alias's oldest entries. */
    void put(String alias, AliasConfig.CacheConfig config, String key, byte[] value);

    /** Entries of {@code alias} (for a shared store: as last reported to this instance). */
    long entries(String alias);

    /** Bytes of {@code alias}'s entries (for a shared store: as last reported to this instance). */
    long bytes(String alias);

    /** Calls to the store that failed (a shared store's outages). */
    long failures();

    /** {@code local} or {@code redis}. */
    String name();

    @Override
    void close();
}
