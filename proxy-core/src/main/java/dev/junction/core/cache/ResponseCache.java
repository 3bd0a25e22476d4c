package dev.junction.core.cache;

import dev.junction.core.config.AliasConfig;
import dev.junction.core.config.CacheStoreConfig;
import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.config.KeyConfig;
import dev.junction.core.metrics.GatewayMetrics;
import io.netty.buffer.ByteBuf;

import java.util.concurrent.CompletionStage;

/**
 * The response cache (SPEC §7, docs/cache.md): decides per request what to do ({@link CachePlan}),
 * looks entries up, records answers ({@link CacheRecording}) and stores them, and counts what it did
 * for {@code /metrics}. The store is chosen once at start-up ({@code junction.cache.store}); each
 * alias's bounds come from its current {@code cache { ... }}. Thread-safe.
 */
public final class ResponseCache implements AutoCloseable {

    private final CacheStore store;
    private final GatewayMetrics metrics;

    ResponseCache(CacheStore store, GatewayMetrics metrics) {
        this.store = store;
        this.metrics = metrics;
        metrics.cacheStoreFailures(store::failures);
    }

    /** The configured store: in process, or the shared Redis (connected in the background). */
    public static ResponseCache open(CacheStoreConfig config, GatewayMetrics metrics) {
        return new ResponseCache(config.redis() ? new RedisCacheStore(config.redisUri(), config.redisTimeout())
                : new LocalCacheStore(), metrics);
    }

    /**
     * What to do with a request of {@code alias} through {@code shape}'s door; null when the alias
     * does not cache. A bypass is counted here.
     */
    public CachePlan plan(AliasConfig alias, ReplayShape shape, String path, KeyConfig key, ByteBuf body,
                          String cacheControl) {
        AliasConfig.CacheConfig c = alias == null ? null : alias.cache();
        if (c == null) {
            return null;
        }
        // Entries are the key's own unless the alias shares them: an answer can echo what one key's
        // user sent, which another key must not read.
        String own = "key:" + (key == null ? "" : key.name());
        CachePlan p = CachePlan.of(alias.name(), shape, path, c, c.shared() ? "*" : own, own, fingerprint(alias), body,
                cacheControl);
        if (!p.lookup()) {
            figures(alias.name()).bypasses.inc();
        }
        return p;
    }

    /** The deployments an answer may have come from: changing them leaves older entries behind. */
    private static String fingerprint(AliasConfig alias) {
        StringBuilder b = new StringBuilder(64);
        for (DeploymentConfig d : alias.deployments()) {
            b.append(d.provider()).append('/').append(d.model()).append(',');
        }
        return b.toString();
    }

    /** The entry of a plan that looks up, or null (a miss); counts the hit or the miss. Never fails. */
    public CompletionStage<CacheEntry> lookup(CachePlan p) {
        return store.get(p.alias(), p.config(), p.key()).handle((found, e) -> {
            CacheEntry entry = e != null ? null : found;
            if (entry != null && !entry.ingress().equals(p.ingress())) {
                entry = null; // cannot happen with SHA-256 keys that include the door; cheap to check
            }
            GatewayMetrics.CacheFigures f = figures(p.alias());
            (entry == null ? f.misses : f.hits).inc();
            return entry;
        });
    }

    /** A recording of a plan that stores, fed by the exchange as the answer is sent; null otherwise. */
    public CacheRecording record(CachePlan p, ReplayShape shape) {
        return p.store() && p.key() != null ? new CacheRecording(this, p, shape) : null;
    }

    void store(CachePlan p, CacheEntry e) {
        store.put(p.alias(), p.config(), p.key(), e);
        figures(p.alias()).stored.inc();
    }

    private GatewayMetrics.CacheFigures figures(String alias) {
        return metrics.cache(alias, () -> store.entries(alias), () -> store.bytes(alias));
    }

    /** {@code local} or {@code redis}. */
    public String storeName() {
        return store.name();
    }

    @Override
    public void close() {
        store.close();
    }
}
