package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Limits and spend shared by every instance using one Redis (SPEC §7.1 {@code store = redis}):
 * one server-side Lua script reserves (rpm, tpm, concurrency, both budgets: one round trip) and
 * one settles (one round trip), so instances never race on a read followed by a write. Bucket
 * time is Redis's own clock ({@code TIME}), so instances whose clocks differ agree; the UTC
 * periods of spend are named by this instance's clock (they only differ near midnight by the
 * clock skew). Lettuce, asynchronous: nothing here blocks the caller.
 *
 * <p>Connection: commands fail at once while the connection is down (no queueing), each round
 * trip is bounded by {@code redis-timeout}, Lettuce reconnects by itself, and a connection that
 * could not be made at start-up is retried every second in the background.
 */
final class RedisLimitStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisLimitStore.class);
    /** A request that never settles (its instance died) frees its in-flight slot after this. */
    static final long LEASE_MILLIS = 15 * 60_000L;
    private static final String RESERVE = script("reserve.lua");
    private static final String SETTLE = script("settle.lua");
    private static final String CHARGE = script("charge.lua");
    /** Spend keys live this long after their last charge: 3 days (day), 40 days (month). */
    private static final String DAY_TTL = Long.toString(3 * 86_400);
    private static final String MONTH_TTL = Long.toString(40 * 86_400);

    private final io.lettuce.core.resource.ClientResources resources;
    private final RedisClient client;
    private final ScheduledExecutorService connector;
    private final String reserveSha;
    private final String settleSha;
    private final String chargeSha;
    private volatile StatefulRedisConnection<String, String> connection;

    RedisLimitStore(String uri, Duration timeout) {
        RedisURI u = RedisURI.create(uri);
        u.setTimeout(timeout);
        // Reconnect quickly after an outage (Lettuce's default backs off to 30 s): limits are shared
        // again within ~2 s of Redis coming back.
        this.resources = io.lettuce.core.resource.DefaultClientResources.builder()
                .reconnectDelay(io.lettuce.core.resource.Delay.exponential(Duration.ofMillis(50), Duration.ofSeconds(2), 2,
                        TimeUnit.MILLISECONDS))
                .build();
        this.client = RedisClient.create(resources, u);
        client.setOptions(ClientOptions.builder().autoReconnect(true)
                .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                .timeoutOptions(TimeoutOptions.enabled(timeout)).build());
        this.reserveSha = sha1(RESERVE);
        this.settleSha = sha1(SETTLE);
        this.chargeSha = sha1(CHARGE);
        this.connector = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "junction-limits-redis");
            t.setDaemon(true);
            return t;
        });
        // The first attempt is made here, at start-up (not on an event loop), so the first requests
        // already find the shared store; if it fails, the background thread keeps trying.
        connect();
    }

    private void connect() {
        try {
            StatefulRedisConnection<String, String> c = client.connect();
            // Loaded up front so the first requests do not pay a NOSCRIPT round trip.
            c.sync().scriptLoad(RESERVE);
            c.sync().scriptLoad(SETTLE);
            c.sync().scriptLoad(CHARGE);
            connection = c;
            LOG.info("limits: connected to Redis");
        } catch (RuntimeException e) {
            LOG.debug("limits: Redis not reachable yet: {}", e.getMessage());
            connector.schedule(this::connect, 1, TimeUnit.SECONDS);
        }
    }

    /** True when a connection is up (commands may still fail; the caller counts those as outages). */
    boolean connected() {
        StatefulRedisConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    CompletionStage<Admission> reserve(KeyConfig k, long tokens, String requestId, String dayId, String monthId,
                                       KeyLimiter.Mirror mirror) {
        String[] keys = {
            prefix(k) + "rpm", prefix(k) + "tpm", prefix(k) + "inflight", prefix(k) + "spend:" + dayId,
            prefix(k) + "spend:" + monthId};
        String[] args = {
            num(k.rpm()), k.tpm() == null ? "-1" : Long.toString(k.tpm()), Long.toString(tokens), num(k.maxConcurrent()),
            k.budgetUsdPerDay() == null ? "-1" : Long.toString(KeyLimiter.nanos(k.budgetUsdPerDay())),
            k.budgetUsdPerMonth() == null ? "-1" : Long.toString(KeyLimiter.nanos(k.budgetUsdPerMonth())),
            requestId, Long.toString(LEASE_MILLIS)};
        int[] trips = {0};
        return run(reserveSha, RESERVE, keys, args, trips).thenApply(r -> {
            int outcome = (int) (long) (Long) r.get(0);
            long after = (Long) r.get(1);
            double rpmLevel = Double.parseDouble(str(r.get(2)));
            double tpmLevel = Double.parseDouble(str(r.get(3)));
            mirror.update(k.name(), (Long) r.get(4), (Long) r.get(5), (Long) r.get(6), rpmLevel, tpmLevel);
            RateHeaders h = LocalLimitStore.headers(k, rpmLevel, tpmLevel);
            Admission a = switch (outcome) {
                case 0 -> new Admission(Admission.Outcome.ADMITTED, k, requestId, tokens, 0, h, Admission.Store.REDIS, null);
                case 1 -> new Admission(Admission.Outcome.RATE_LIMITED, k, requestId, 0, after, h, Admission.Store.REDIS, null);
                case 2 -> new Admission(Admission.Outcome.CONCURRENCY_LIMITED, k, requestId, 0, after, h,
                        Admission.Store.REDIS, null);
                default -> new Admission(Admission.Outcome.BUDGET_EXCEEDED, k, requestId, 0, 0, null, Admission.Store.REDIS,
                        outcome == 3 ? "day" : "month");
            };
            a.roundTrips = trips[0];
            return a;
        });
    }

    CompletionStage<Integer> settle(KeyConfig k, String requestId, long reserved, long tokens, long costNanos,
                                    String dayId, String monthId, KeyLimiter.Mirror mirror) {
        String[] keys = {prefix(k) + "tpm", prefix(k) + "inflight", prefix(k) + "spend:" + dayId,
            prefix(k) + "spend:" + monthId};
        String[] args = {k.tpm() == null ? "-1" : Long.toString(k.tpm()), Long.toString(reserved - tokens), requestId,
            Long.toString(Math.max(0, costNanos)), DAY_TTL, MONTH_TTL};
        int[] trips = {0};
        return run(settleSha, SETTLE, keys, args, trips).thenApply(r -> {
            mirror.spend(k.name(), (Long) r.get(0), (Long) r.get(1));
            return trips[0];
        });
    }

    /**
     * Adds {@code costNanos} to {@code k}'s shared spend of the named day and month (spend this
     * instance counted by itself while Redis was unreachable). Completes with the round trips made.
     */
    CompletionStage<Integer> charge(KeyConfig k, long costNanos, String dayId, String monthId, KeyLimiter.Mirror mirror) {
        String[] keys = {prefix(k) + "spend:" + dayId, prefix(k) + "spend:" + monthId};
        String[] args = {Long.toString(costNanos), DAY_TTL, MONTH_TTL};
        int[] trips = {0};
        return run(chargeSha, CHARGE, keys, args, trips).thenApply(r -> {
            mirror.spend(k.name(), (Long) r.get(0), (Long) r.get(1));
            return trips[0];
        });
    }

    /** Runs {@code task} on this store's background thread every {@code millis} ms (never on an event loop). */
    void every(long millis, Runnable task) {
        connector.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("limits: background task failed", e); // and runs again next time
            }
        }, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** EVALSHA, and EVAL once when Redis has lost the script (a restart empties its script cache). */
    private CompletionStage<List<Object>> run(String sha, String body, String[] keys, String[] args, int[] trips) {
        StatefulRedisConnection<String, String> c = connection;
        if (c == null || !c.isOpen()) {
            return CompletableFuture.failedFuture(new IllegalStateException("Redis connection is down"));
        }
        RedisAsyncCommands<String, String> cmd = c.async();
        trips[0]++;
        CompletionStage<List<Object>> first = cmd.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys, args);
        return first.handle((r, e) -> {
            if (e == null) {
                return CompletableFuture.completedFuture(r);
            }
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            if (cause instanceof RedisNoScriptException) {
                trips[0]++;
                return cmd.<List<Object>>eval(body, ScriptOutputType.MULTI, keys, args).toCompletableFuture();
            }
            return CompletableFuture.<List<Object>>failedFuture(cause);
        }).thenCompose(f -> f);
    }

    /** Keys of one gateway key (by its name, never its secret); the hash tag keeps them in one slot. */
    private static String prefix(KeyConfig k) {
        return "junction:limits:{" + k.name() + "}:";
    }

    private static String num(Integer v) {
        return v == null ? "-1" : Integer.toString(v);
    }

    private static String str(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }

    private static String script(String name) {
        try (InputStream in = RedisLimitStore.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha1(String s) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8));
            StringBuilder b = new StringBuilder(40);
            for (byte x : d) {
                b.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
            }
            return b.toString();
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        connector.shutdownNow();
        StatefulRedisConnection<String, String> c = connection;
        if (c != null) {
            c.close();
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
