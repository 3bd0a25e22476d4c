package dev.junction.core.redis;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import io.lettuce.core.codec.RedisCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.Delay;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The one Lettuce client setup of the request-path Redis stores (the key limiter's shared limits,
 * the response cache): commands fail at once while the connection is down (no queueing behind an
 * outage), each round trip is bounded by the store's timeout, Lettuce reconnects by itself within
 * about two seconds of Redis coming back, and a connection that could not be made at start-up is
 * retried every second in the background. Asynchronous: nothing here blocks a caller after the
 * first connection attempt, which is made at start-up.
 *
 * @param <K> key type of the codec
 * @param <V> value type of the codec
 */
public final class RedisConnector<K, V> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisConnector.class);

    private final String name;
    private final ClientResources resources;
    private final RedisClient client;
    private final RedisCodec<K, V> codec;
    private final Consumer<StatefulRedisConnection<K, V>> onConnect;
    private final ScheduledExecutorService connector;
    private volatile StatefulRedisConnection<K, V> connection;

    /**
     * @param name      what the connection serves, for the log and the thread name ("limits", "cache")
     * @param onConnect run once on each new connection before it is used (e.g. loading scripts);
     *                  it may block (it runs at start-up or on the background thread)
     */
    public RedisConnector(String name, String uri, Duration timeout, RedisCodec<K, V> codec,
                          Consumer<StatefulRedisConnection<K, V>> onConnect) {
        this.name = name;
        this.codec = codec;
        this.onConnect = onConnect;
        RedisURI u = RedisURI.create(uri);
        u.setTimeout(timeout);
        // Reconnect quickly after an outage (Lettuce's default backs off to 30 s): the store is
        // shared again within ~2 s of Redis coming back.
        this.resources = DefaultClientResources.builder()
                .reconnectDelay(Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2, TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, u);
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
        this.connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-" + name + "-redis");
            t.setDaemon(true);
            return t;
        });
        // The first attempt is made here, at start-up (not on an event loop), so the first requests
        // already find the shared store; if it fails, the background thread keeps trying.
        connect();
    }

    private void connect() {
        try {
            StatefulRedisConnection<K, V> c = client.connect(codec);
            onConnect.accept(c);
            connection = c;
            LOG.info("{}: connected to Redis", name);
        } catch (RuntimeException e) {
            LOG.debug("{}: Redis not reachable yet: {}", name, e.getMessage());
            connector.schedule(this::connect, 1, TimeUnit.SECONDS);
        }
    }

    /** The open connection, or null while there is none. */
    public StatefulRedisConnection<K, V> connection() {
        StatefulRedisConnection<K, V> c = connection;
        return c != null && c.isOpen() ? c : null;
    }

    /** True when a connection is up (commands may still fail; callers count those as outages). */
    public boolean connected() {
        return connection() != null;
    }

    /**
     * EVALSHA of a script, and EVAL once when Redis has lost it (a restart empties its script
     * cache). {@code trips[0]} counts the round trips made. Fails at once while disconnected.
     */
    public <T> CompletionStage<T> eval(String sha, String body, ScriptOutputType type, K[] keys, V[] args, int[] trips) {
        StatefulRedisConnection<K, V> c = connection();
        if (c == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis connection is down"));
        }
        RedisAsyncCommands<K, V> cmd = c.async();
        trips[0]++;
        CompletionStage<T> first = cmd.<T>evalsha(sha, type, keys, args);
        return first.handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisNoScriptException) {
                trips[0]++;
                return cmd.<T>eval(body, type, keys, args).toCompletableFuture();
            }
            return CompletableFuture.<T>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /** A Lua script shipped as a resource next to {@code owner}. */
    public static String script(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The SHA-1 Redis names a script by (for EVALSHA). */
    public static String sha1(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        connector.shutdownNow();
        StatefulRedisConnection<K, V> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
