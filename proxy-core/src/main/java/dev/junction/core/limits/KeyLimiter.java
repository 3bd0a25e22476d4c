package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.LimitsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The gateway keys' limits and budgets (SPEC §7.1): before a request is sent, {@link #reserve}
 * checks both budgets and takes one request (rpm), the request's token estimate (tpm) and a
 * concurrency slot; when the request ends, {@link #settle} gives the slot back, corrects the token
 * reservation to the reported usage and charges the cost. One interface over two stores: this
 * process ({@link LocalLimitStore}, spend in a SQLite file) or Redis ({@link RedisLimitStore},
 * shared by every instance). With Redis unreachable, {@code on-store-failure = open} serves with
 * per-instance limits (the local store, in memory) and reports {@link #degraded()};
 * {@code closed} refuses with 503 {@code limits_unavailable}. Redis is used again as soon as it
 * answers. Thread-safe; the Redis answers complete on Lettuce's threads.
 */
public final class KeyLimiter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KeyLimiter.class);

    private final LimitsConfig config;
    private final Clock clock;
    private final SpendLedger ledger;
    private final LocalLimitStore local;
    private final RedisLimitStore redis;
    private final Mirror mirror = new Mirror();
    private final LongAdder roundTrips = new LongAdder();
    private final LongAdder storeFailures = new LongAdder();
    private final LongAdder reconciledNanos = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> refused = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, java.util.concurrent.atomic.DoubleAdder> cost = new ConcurrentHashMap<>();
    private volatile boolean degraded;
    /**
     * Spend this instance counted by itself while Redis was unreachable, per key and the UTC day and
     * month it was charged in, not yet added to Redis (store = redis only).
     */
    private final ConcurrentHashMap<Unreconciled, AtomicLong> unreconciled = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicBoolean reconciling = new java.util.concurrent.atomic.AtomicBoolean();

    /** One key's spend of one UTC day (and the month that day belongs to). */
    private record Unreconciled(KeyConfig key, String dayId, String monthId) {
    }

    private KeyLimiter(LimitsConfig config, Clock clock, SpendLedger ledger, RedisLimitStore redis) {
        this.config = config;
        this.clock = clock;
        this.ledger = ledger;
        this.local = new LocalLimitStore(clock, ledger);
        this.redis = redis;
        if (redis != null) {
            // Spend counted per instance during an outage is added to Redis once it answers again
            // (checked every second, and at once when a request finds Redis back).
            redis.every(RECONCILE_EVERY_MILLIS, this::reconcile);
        }
    }

    static final long RECONCILE_EVERY_MILLIS = 1000;

    /** Opens the configured store: the local spend file, or the Redis connection (in the background). */
    public static KeyLimiter open(LimitsConfig config, Clock clock) {
        if (config.redis()) {
            return new KeyLimiter(config, clock, null, new RedisLimitStore(config.redisUri(), config.redisTimeout()));
        }
        return new KeyLimiter(config, clock, config.path() == null ? null : new SpendLedger(config.path()), null);
    }

    static long nanos(double usd) {
        return Math.round(usd * 1e9);
    }

    /** Admission of a key without limits: nothing reserved, nothing refused. */
    private static Admission unlimited(KeyConfig k, String requestId) {
        return new Admission(Admission.Outcome.ADMITTED, k, requestId, 0, 0, null, Admission.Store.NONE, null);
    }

    /**
     * Reserves {@code tokens} (the request's estimate: prompt plus the output it may produce) for a
     * request of {@code key}. The stage completes at once with the local store; with Redis, on a
     * Lettuce thread.
     */
    public CompletionStage<Admission> reserve(KeyConfig key, long tokens, String requestId) {
        if (!key.limited()) {
            return CompletableFuture.completedFuture(unlimited(key, requestId));
        }
        if (redis == null) {
            return CompletableFuture.completedFuture(count(local.reserve(key, tokens, requestId)));
        }
        if (!redis.connected()) {
            return CompletableFuture.completedFuture(count(fallback(key, tokens, requestId, "connection down")));
        }
        long now = clock.millis();
        return redis.reserve(key, tokens, requestId, LocalLimitStore.dayId(now), LocalLimitStore.monthId(now), mirror)
                .handle((a, e) -> {
                    if (e != null) {
                        return count(fallback(key, tokens, requestId, e.getMessage()));
                    }
                    recovered();
                    roundTrips.add(a.roundTrips);
                    return count(a);
                });
    }

    private Admission fallback(KeyConfig key, long tokens, String requestId, String why) {
        storeFailures.increment();
        if (!degraded) {
            degraded = true;
            LOG.warn("limits: Redis unreachable ({}); {}", why, config.failOpen()
                    ? "serving with per-instance limits until it answers again (on-store-failure = open)"
                    : "refusing requests of limited keys with 503 limits_unavailable (on-store-failure = closed)");
        }
        if (!config.failOpen()) {
            return new Admission(Admission.Outcome.UNAVAILABLE, key, requestId, 0, 1000, null, Admission.Store.NONE, null);
        }
        return local.reserve(key, tokens, requestId);
    }

    private void recovered() {
        if (degraded) {
            degraded = false;
            LOG.warn("limits: Redis answers again; limits are shared again");
            reconcile();
        }
    }

    /** Keeps spend charged per instance (Redis unreachable) to be added to Redis when it answers. */
    private void owe(KeyConfig key, long costNanos) {
        if (costNanos <= 0) {
            return;
        }
        long now = clock.millis();
        // compute, not computeIfAbsent + add: an entry is removed (when it reads 0) under the same
        // per-entry lock, so an amount is never added to an entry that has just left the map.
        unreconciled.compute(new Unreconciled(key, LocalLimitStore.dayId(now), LocalLimitStore.monthId(now)), (k, v) -> {
            AtomicLong owed = v == null ? new AtomicLong() : v;
            owed.addAndGet(costNanos);
            return owed;
        });
    }

    /**
     * Adds the spend counted per instance during an outage to Redis (one script call per key and
     * day), so that every instance's budget includes it: budgets do not drift apart across replicas
     * after an outage. What fails stays owed and is tried again. Never on an event loop: it runs on
     * the store's background thread, or on the Lettuce thread that found Redis back; it only sends.
     */
    CompletableFuture<Void> reconcile() {
        if (redis == null || unreconciled.isEmpty() || !redis.connected() || !reconciling.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(null);
        }
        List<CompletableFuture<?>> sent = new ArrayList<>();
        try {
            long now = clock.millis();
            String today = LocalLimitStore.dayId(now);
            for (Map.Entry<Unreconciled, AtomicLong> e : unreconciled.entrySet()) {
                // Stays owed until Redis confirms it (one pass at a time, so nothing is sent twice).
                long owed = e.getValue().get();
                if (owed <= 0) {
                    continue;
                }
                Unreconciled u = e.getKey();
                // Only today's figure may update this instance's view of the shared spend.
                Mirror view = u.dayId().equals(today) ? mirror : new Mirror();
                sent.add(redis.charge(u.key(), owed, u.dayId(), u.monthId(), view).toCompletableFuture()
                        .whenComplete((trips, err) -> {
                            if (err != null) {
                                storeFailures.increment(); // still owed: the next pass sends it
                            } else {
                                roundTrips.add(trips);
                                reconciledNanos.add(owed);
                                recovered(); // Redis answered: shared again, even before the next request
                                e.getValue().addAndGet(-owed);
                            }
                        }));
            }
        } finally {
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
                    .whenComplete((v, err) -> {
                        for (Unreconciled u : unreconciled.keySet()) {
                            unreconciled.computeIfPresent(u, (k, owed) -> owed.get() == 0 ? null : owed);
                        }
                        reconciling.set(false);
                    });
        }
        return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).exceptionally(err -> null);
    }

    /** Nano-USD counted per instance during an outage and not yet added to Redis. */
    long unreconciledNanos() {
        long sum = 0;
        for (AtomicLong a : unreconciled.values()) {
            sum += a.get();
        }
        return sum;
    }

    /** USD counted per instance while Redis was unreachable and not yet added to it (0 with the local store). */
    public double unreconciledSpendUsd() {
        return unreconciledNanos() / 1e9;
    }

    /** USD counted per instance during outages and since added to Redis. */
    public double reconciledSpendUsd() {
        return reconciledNanos.sum() / 1e9;
    }

    private Admission count(Admission a) {
        if (!a.admitted()) {
            refused.computeIfAbsent(a.key.name() + '\u0000' + a.outcome.name(), k -> new LongAdder()).increment();
        }
        return a;
    }

    /**
     * Ends an admitted request: {@code tokens} is the usage the vendor reported (or what a stream
     * produced before it was abandoned), {@code costUsd} its cost. Idempotent; never blocks.
     * Returns the Redis round trips the request has cost in all (reserve and settle).
     */
    public int settle(Admission a, long tokens, double costUsd) {
        if (a == null || !a.admitted() || a.settled) {
            return a == null ? 0 : a.roundTrips;
        }
        a.settled = true;
        if (costUsd > 0) {
            costOf(a.key).add(costUsd);
        }
        long cost = nanos(costUsd);
        switch (a.store) {
            case LOCAL -> {
                local.settle(a, tokens, cost);
                if (redis != null) {
                    owe(a.key, cost); // served per instance during an outage: added to Redis when it answers
                }
            }
            case NONE -> {
                if (redis == null) {
                    local.charge(a.key, cost);
                } else if (cost > 0) {
                    settleRedis(a, tokens, cost);
                }
            }
            case REDIS -> settleRedis(a, tokens, cost);
        }
        return a.roundTrips;
    }

    /** What {@code key} was charged: the adder found last when {@code key} is the same config object, else by name. */
    private java.util.concurrent.atomic.DoubleAdder costOf(KeyConfig key) {
        LastCost l = lastCost;
        if (l != null && l.key == key) {
            return l.cost;
        }
        java.util.concurrent.atomic.DoubleAdder c = cost.computeIfAbsent(key.name(), k -> new java.util.concurrent.atomic.DoubleAdder());
        lastCost = new LastCost(key, c);
        return c;
    }

    /** A key's config object and its cost adder (adders are never removed, so a kept pair stays true). */
    private record LastCost(KeyConfig key, java.util.concurrent.atomic.DoubleAdder cost) {
    }

    private volatile LastCost lastCost;

    /**
     * Charges {@code costUsd} incurred outside a request (a video that a task finished) to
     * {@code key}'s spend and budgets, in the configured store; {@code ref} names it (unique).
     * Nothing is reserved or released. Never blocks.
     */
    public void charge(KeyConfig key, double costUsd, String ref) {
        if (costUsd > 0) {
            settle(unlimited(key, ref), 0, costUsd);
        }
    }

    private void settleRedis(Admission a, long tokens, long cost) {
        long now = clock.millis();
        if (!redis.connected()) {
            lostSettlement(a, cost);
            return;
        }
        a.roundTrips++; // counted when sent; a NOSCRIPT retry adds one more to the total only
        redis.settle(a.key, a.requestId, a.reservedTokens, a.store == Admission.Store.REDIS ? tokens : a.reservedTokens,
                        cost, LocalLimitStore.dayId(now), LocalLimitStore.monthId(now), mirror)
                .whenComplete((trips, e) -> {
                    if (e != null) {
                        lostSettlement(a, cost);
                    } else {
                        roundTrips.add(trips);
                    }
                });
    }

    /**
     * Redis went away between reserve and settle: the spend is counted per instance and added to
     * Redis when it answers again (docs/limits.md).
     */
    private void lostSettlement(Admission a, long cost) {
        storeFailures.increment();
        local.charge(a.key, cost);
        owe(a.key, cost);
    }

    /** True while the shared store is unreachable (only with {@code store = redis}). */
    public boolean degraded() {
        return redis != null && (degraded || !redis.connected());
    }

    public String storeName() {
        return redis == null ? "local" : "redis";
    }

    /** Redis round trips made so far (reserve and settle scripts). */
    public long redisRoundTrips() {
        return roundTrips.sum();
    }

    /** Calls to the shared store that failed (each one served per instance, or refused when closed). */
    public long storeFailures() {
        return storeFailures.sum();
    }

    /** USD charged per key name by this instance since it started. */
    public java.util.Map<String, Double> costByKey() {
        java.util.Map<String, Double> m = new java.util.TreeMap<>();
        cost.forEach((k, v) -> m.put(k, v.sum()));
        return m;
    }

    /** Requests refused so far, by key name and outcome ({@code RATE_LIMITED}, {@code BUDGET_EXCEEDED}, ...). */
    public java.util.Map<String, Long> refusals() {
        java.util.Map<String, Long> m = new java.util.TreeMap<>();
        refused.forEach((k, v) -> m.put(k.replace('\u0000', '/'), v.sum()));
        return m;
    }

    /**
     * {@code key}'s limits, what remains and its spend today and this month: exact with the local
     * store; with Redis, this instance's latest view of the shared figures (updated by every
     * request it served).
     */
    public KeyStatus status(KeyConfig key) {
        KeyStatus s = local.status(key);
        if (redis == null) {
            return s;
        }
        return mirror.status(key, s);
    }

    @Override
    public void close() {
        if (redis != null) {
            // What is still owed from an outage is sent if Redis answers now (bounded wait).
            try {
                reconcile().get(2, java.util.concurrent.TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("limits: spend from an outage not added to Redis at shutdown: {}", e.toString());
            }
            if (unreconciledNanos() > 0) {
                LOG.warn("limits: {} USD counted while Redis was unreachable could not be added to it before shutdown",
                        unreconciledSpendUsd());
            }
            redis.close();
        }
        if (ledger != null) {
            ledger.close();
        }
    }

    /** This instance's latest view of the shared figures, per key name (for {@link #status}). */
    static final class Mirror {
        private record View(long day, long month, long inFlight, double rpmLevel, double tpmLevel, long at) {
        }

        private final ConcurrentHashMap<String, View> views = new ConcurrentHashMap<>();
        private final AtomicLong clock = new AtomicLong();

        void update(String key, long day, long month, long inFlight, double rpmLevel, double tpmLevel) {
            views.put(key, new View(day, month, inFlight, rpmLevel, tpmLevel, clock.incrementAndGet()));
        }

        void spend(String key, long day, long month) {
            views.compute(key, (k, v) -> v == null ? new View(day, month, 0, Double.NaN, Double.NaN, clock.incrementAndGet())
                    : new View(day, month, v.inFlight, v.rpmLevel, v.tpmLevel, v.at));
        }

        KeyStatus status(KeyConfig k, KeyStatus fallback) {
            View v = views.get(k.name());
            if (v == null) {
                return new KeyStatus(k.name(), k.rpm(), null, k.tpm(), null, k.maxConcurrent(), 0, k.budgetUsdPerDay(), 0,
                        k.budgetUsdPerMonth(), 0, "redis (nothing seen yet)");
            }
            return new KeyStatus(k.name(), k.rpm(), k.rpm() == null || Double.isNaN(v.rpmLevel) ? null
                    : (long) Math.max(0, Math.floor(v.rpmLevel)), k.tpm(),
                    k.tpm() == null || Double.isNaN(v.tpmLevel) ? null : (long) Math.max(0, Math.floor(v.tpmLevel)),
                    k.maxConcurrent(), v.inFlight, k.budgetUsdPerDay(), v.day / 1e9, k.budgetUsdPerMonth(), v.month / 1e9,
                    "redis (last seen)");
        }
    }
}
