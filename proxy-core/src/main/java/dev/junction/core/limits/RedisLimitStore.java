package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;
import dev.junction.core.redis.RedisConnector;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.StringCodec;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * Limits and spend shared by every instance using one Redis (SPEC §7.1 {@code store = redis}):
 * one server-side Lua script reserves (rpm, tpm, concurrency, both budgets: one round trip) and
 * one settles (one round trip), so instances never race on a read followed by a write. Bucket
 * time is Redis's own clock ({@code TIME}), so instances whose clocks differ agree; the UTC
 * periods of spend are named by this instance's clock (they only differ near midnight by the
 * clock skew). Lettuce, asynchronous: nothing here blocks the caller.
 *
 * <p>Connection: the shared {@link RedisConnector} setup (commands fail at once while the
 * connection is down, each round trip bounded by {@code redis-timeout}, reconnection by itself).
 */
final class RedisLimitStore implements AutoCloseable {

    /** A request that never settles (its instance died) frees its in-flight slot after this. */
    static final long LEASE_MILLIS = 15 * 60_000L;
    private static final String RESERVE = RedisConnector.script(RedisLimitStore.class, "reserve.lua");
    private static final String SETTLE = RedisConnector.script(RedisLimitStore.class, "settle.lua");
    private static final String RESERVE_SHA = RedisConnector.sha1(RESERVE);
    private static final String SETTLE_SHA = RedisConnector.sha1(SETTLE);
    private static final String CHARGE = RedisConnector.script(RedisLimitStore.class, "charge.lua");
    private static final String CHARGE_SHA = RedisConnector.sha1(CHARGE);
    /** Spend keys live this long after their last charge: 3 days (day), 40 days (month). */
    private static final String DAY_TTL = Long.toString(3 * 86_400);
    private static final String MONTH_TTL = Long.toString(40 * 86_400);
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RedisLimitStore.class);

    private final RedisConnector<String, String> redis;
    /** Background work of the store (reconciling an outage's spend), never on an event loop. */
    private final java.util.concurrent.ScheduledExecutorService background =
            java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "junction-limits-reconcile");
                t.setDaemon(true);
                return t;
            });

    RedisLimitStore(String uri, Duration timeout) {
        // Loaded on each new connection so the first requests do not pay a NOSCRIPT round trip.
        this.redis = new RedisConnector<>("limits", uri, timeout, StringCodec.UTF8, c -> {
            c.sync().scriptLoad(RESERVE);
            c.sync().scriptLoad(SETTLE);
            c.sync().scriptLoad(CHARGE);
        });
    }

    /** True when a connection is up (commands may still fail; the caller counts those as outages). */
    boolean connected() {
        return redis.connected();
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
        return redis.<List<Object>>eval(RESERVE_SHA, RESERVE, ScriptOutputType.MULTI, keys, args, trips).thenApply(r -> {
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
        return redis.<List<Object>>eval(SETTLE_SHA, SETTLE, ScriptOutputType.MULTI, keys, args, trips).thenApply(r -> {
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
        return redis.<List<Object>>eval(CHARGE_SHA, CHARGE, ScriptOutputType.MULTI, keys, args, trips).thenApply(r -> {
            mirror.spend(k.name(), (Long) r.get(0), (Long) r.get(1));
            return trips[0];
        });
    }

    /** Runs {@code task} on this store's background thread every {@code millis} ms (never on an event loop). */
    void every(long millis, Runnable task) {
        background.scheduleWithFixedDelay(() -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                LOG.warn("limits: background task failed", e); // and runs again next time
            }
        }, millis, millis, java.util.concurrent.TimeUnit.MILLISECONDS);
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

    @Override
    public void close() {
        background.shutdownNow();
        redis.close();
    }
}
