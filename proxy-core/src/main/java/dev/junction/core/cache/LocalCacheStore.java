package dev.junction.core.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.junction.core.config.AliasConfig;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The in-process store: one Caffeine cache per alias, built from the alias's settings and rebuilt
 * (empty) when they change on reload.
 *
 * <p>Caffeine bounds a cache by entry count or by weight, not both; both bounds hold here with one
 * weight: an entry weighs its bytes, but at least {@code max-bytes / max-entries}. The sum of
 * weights stays under {@code max-bytes}, so the bytes do, and no more than {@code max-entries}
 * entries fit. Eviction is Caffeine's (W-TinyLFU: rarely asked entries go first); {@code ttl}
 * counts from when the entry was written. Maintenance runs on the calling thread (it is cheap and
 * bounded), so the bounds hold as soon as a put returns.
 */
final class LocalCacheStore implements CacheStore {

    private record Holder(AliasConfig.CacheConfig config, Cache<String, byte[]> cache) {
    }

    private final Map<String, Holder> caches = new ConcurrentHashMap<>();

    private Cache<String, byte[]> cache(String alias, AliasConfig.CacheConfig config) {
        Holder h = caches.get(alias);
        if (h == null || !h.config().equals(config)) {
            h = caches.compute(alias, (a, old) -> old != null && old.config().equals(config) ? old
                    : new Holder(config, build(config)));
        }
        return h.cache();
    }

    static long minimumWeight(AliasConfig.CacheConfig c) {
        return Math.max(1, (c.maxBytes() + c.maxEntries() - 1) / c.maxEntries());
    }

    private static Cache<String, byte[]> build(AliasConfig.CacheConfig c) {
        long floor = minimumWeight(c);
        return Caffeine.newBuilder()
                .expireAfterWrite(c.ttl())
                .maximumWeight(c.maxBytes())
                .weigher((String k, byte[] v) -> (int) Math.min(Integer.MAX_VALUE, Math.max(floor, v.length)))
                .executor(Runnable::run)
                .build();
    }

    @Override
    public CompletionStage<byte[]> get(String alias, AliasConfig.CacheConfig config, String key) {
        return CompletableFuture.completedFuture(cache(alias, config).getIfPresent(key));
    }

    @Override
    public void put(String alias, AliasConfig.CacheConfig config, String key, byte[] value) {
        if (value.length > config.maxBytes()) {
            return;
        }
        cache(alias, config).put(key, value);
    }

    @Override
    public long entries(String alias) {
        Holder h = caches.get(alias);
        if (h == null) {
            return 0;
        }
        h.cache().cleanUp();
        return h.cache().estimatedSize();
    }

    @Override
    public long bytes(String alias) {
        Holder h = caches.get(alias);
        if (h == null) {
            return 0;
        }
        long n = 0;
        for (byte[] v : h.cache().asMap().values()) {
            n += v.length;
        }
        return n;
    }

    @Override
    public long failures() {
        return 0;
    }

    @Override
    public String name() {
        return "local";
    }

    @Override
    public void close() {
        caches.clear();
    }
}
