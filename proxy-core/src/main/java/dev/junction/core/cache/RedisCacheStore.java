package dev.junction.core.cache;

import dev.junction.core.config.AliasConfig;
import dev.junction.core.redis.RedisConnector;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The store shared by every instance using one Redis ({@code junction.cache.store = redis}). An
 * entry is one string key with the alias's ttl ({@code SET ... PX}); a put runs one server-side
 * script ({@code put.lua}) that also keeps the alias's index (write time per entry), sizes and
 * byte total, and drops the oldest entries while the alias is over {@code max-entries} or
 * {@code max-bytes}. All keys of an alias share a hash tag ({@code {alias}}), so the script's
 * keys are in one slot. Lookups are one {@code GET}; a lookup that fails or takes longer than
 * {@code redis-timeout} is a miss, a put that fails is dropped: the cache never fails a request.
 * The Lettuce setup is the one the key limiter uses ({@link RedisConnector}).
 */
final class RedisCacheStore implements CacheStore {

    private static final Logger LOG = LoggerFactory.getLogger(RedisCacheStore.class);
    private static final String PUT = RedisConnector.script(RedisCacheStore.class, "put.lua");
    private static final String PUT_SHA = RedisConnector.sha1(PUT);
    private static final RedisCodec<String, byte[]> CODEC = RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE);

    private record Figures(long entries, long bytes) {
    }

    private final RedisConnector<String, byte[]> redis;
    private final Map<String, Figures> figures = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();
    private volatile boolean warned;

    RedisCacheStore(String uri, Duration timeout) {
        this.redis = new RedisConnector<>("cache", uri, timeout, CODEC, c -> c.sync().scriptLoad(PUT.getBytes(StandardCharsets.UTF_8)));
    }

    private static String prefix(String alias) {
        return "junction:cache:{" + alias + "}:";
    }

    @Override
    public CompletionStage<byte[]> get(String alias, AliasConfig.CacheConfig config, String key) {
        StatefulRedisConnection<String, byte[]> c = redis.connection();
        if (c == null) {
            failed("not connected");
            return CompletableFuture.completedFuture(null);
        }
        return c.async().get(prefix(alias) + key).handle((v, e) -> {
            if (e != null) {
                failed(e.toString());
                return null;
            }
            return v;
        });
    }

    @Override
    public void put(String alias, AliasConfig.CacheConfig config, String key, byte[] value) {
        if (value.length > config.maxBytes()) {
            return;
        }
        String p = prefix(alias);
        String[] keys = {p + key, p + "index", p + "sizes", p + "bytes"};
        byte[][] args = {value, ascii(config.ttl().toMillis()), ascii(config.maxEntries()), ascii(config.maxBytes())};
        redis.<List<Object>>eval(PUT_SHA, PUT, ScriptOutputType.MULTI, keys, args, new int[1]).whenComplete((r, e) -> {
            if (e != null) {
                failed(e.toString());
                return;
            }
            figures.put(alias, new Figures((Long) r.get(0), (Long) r.get(1)));
        });
    }

    private void failed(String why) {
        failures.incrementAndGet();
        if (!warned) {
            warned = true; // once: an outage would otherwise log every request
            LOG.warn("cache: Redis unreachable ({}); requests are served without the cache until it answers", why);
        }
    }

    private static byte[] ascii(long v) {
        return Long.toString(v).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public long entries(String alias) {
        Figures f = figures.get(alias);
        return f == null ? 0 : f.entries();
    }

    @Override
    public long bytes(String alias) {
        Figures f = figures.get(alias);
        return f == null ? 0 : f.bytes();
    }

    @Override
    public long failures() {
        return failures.get();
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public void close() {
        redis.close();
    }
}
