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

    private final RedisConnector<String, String> redis;

    RedisLimitStore(String uri, Duration timeout) {
        // Loaded on each new connection so the first requests do not pay a NOSCRIPT round trip.
        this.redis = new RedisConnector<>("limits", uri, timeout, StringCodec.UTF8, c -> {
            c.sync().scriptLoad(RESERVE);
            c.sync().scriptLoad(SETTLE);
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
            Long.toString(Math.max(0, costNanos)), Long.toString(3 * 86_400), Long.toString(40 * 86_400)};
        int[] trips = {0};
        return redis.<List<Object>>eval(SETTLE_SHA, SETTLE, ScriptOutputType.MULTI, keys, args, trips).thenApply(r -> {
            mirror.spend(k.name(), (Long) r.get(0), (Long) r.get(1));
            return trips[0];
        });
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
        redis.close();
    }
}
