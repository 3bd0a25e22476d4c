package dev.junction.core.responses;

import dev.junction.core.tasks.TaskStoreException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.codec.StringCodec;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * Kept responses in Redis ({@code junction.tasks.store = redis}), one hash per response
 * ({@code junction:{junction-responses}:r:<id>}: owner, created_at, expires_at, response, input) that
 * Redis expires itself at its {@code expires_at}, so every instance sharing the Redis sees the same
 * responses and none has to purge.
 */
public final class RedisResponseStore implements ResponseStore {

    private static final String P = "junction:{junction-responses}:r:";

    private final RedisClient client;
    private final StatefulRedisConnection<String, byte[]> connection;
    private final RedisCommands<String, byte[]> redis;

    private RedisResponseStore(RedisClient client, StatefulRedisConnection<String, byte[]> connection) {
        this.client = client;
        this.connection = connection;
        this.redis = connection.sync();
    }

    /** Connects to {@code uri}; fails fast (with the reason, never the password) when Redis cannot be reached. */
    public static RedisResponseStore open(String uri) {
        RedisClient client = RedisClient.create(RedisURI.create(uri));
        client.setDefaultTimeout(Duration.ofSeconds(5));
        try {
            return new RedisResponseStore(client, client.connect(RedisCodec.of(StringCodec.UTF8, ByteArrayCodec.INSTANCE)));
        } catch (RedisException e) {
            client.shutdown();
            throw new TaskStoreException("cannot connect to the Redis response store (junction.tasks.redis-uri): "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void put(StoredResponse r) {
        String k = P + r.id();
        try {
            redis.multi();
            redis.hset(k, Map.of("owner", utf8(r.owner()), "created_at", utf8(Long.toString(r.createdAt())),
                    "expires_at", utf8(Long.toString(r.expiresAt())), "response", r.response(), "input", r.input()));
            redis.pexpireat(k, r.expiresAt());
            redis.exec();
        } catch (RedisException e) {
            throw new TaskStoreException("cannot store response " + r.id() + " in Redis: " + e.getMessage(), e);
        }
    }

    @Override
    public StoredResponse get(String id, long now) {
        Map<String, byte[]> h;
        try {
            h = redis.hgetall(P + id);
        } catch (RedisException e) {
            throw new TaskStoreException("cannot read response " + id + " from Redis: " + e.getMessage(), e);
        }
        if (h == null || h.isEmpty() || !h.containsKey("response")) {
            return null;
        }
        long expires = Long.parseLong(text(h.get("expires_at")));
        if (expires <= now) {
            return null;
        }
        return new StoredResponse(id, text(h.get("owner")), Long.parseLong(text(h.get("created_at"))), expires,
                h.get("response"), h.get("input"));
    }

    @Override
    public boolean delete(String id) {
        try {
            return redis.del(P + id) > 0;
        } catch (RedisException e) {
            throw new TaskStoreException("cannot delete response " + id + " from Redis: " + e.getMessage(), e);
        }
    }

    @Override
    public int purge(long now) {
        return 0;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
