package dev.junction.core.limits;

import dev.junction.core.config.KeyConfig;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The limiter's figures in {@code /metrics} (SPEC §7.1, §8), labelled by configured key names only:
 * spend per key (today, this month) and cost charged by this instance, refusals by reason, whether
 * the shared store is degraded, Redis round trips and failed store calls.
 */
public final class LimitsCollector implements MultiCollector {

    private final KeyLimiter limiter;
    private final Supplier<List<KeyConfig>> keys;

    public LimitsCollector(KeyLimiter limiter, Supplier<List<KeyConfig>> keys) {
        this.limiter = limiter;
        this.keys = keys;
    }

    @Override
    public MetricSnapshots collect() {
        GaugeSnapshot.Builder spend = GaugeSnapshot.builder().name("junction_key_spend_usd")
                .help("Spend of each gateway key in the current UTC period (day, month)");
        CounterSnapshot.Builder cost = CounterSnapshot.builder().name("junction_key_cost_usd")
                .help("Cost charged to each gateway key by this instance, from the catalog's prices");
        for (KeyConfig k : keys.get()) {
            KeyStatus s = limiter.status(k);
            spend.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("key", k.name(), "period", "day")).value(s.spendUsdToday()).build());
            spend.dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder()
                    .labels(Labels.of("key", k.name(), "period", "month")).value(s.spendUsdThisMonth()).build());
        }
        limiter.costByKey().forEach((key, usd) -> cost.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                .labels(Labels.of("key", key)).value(usd).build()));
        CounterSnapshot.Builder refused = CounterSnapshot.builder().name("junction_limits_refused")
                .help("Requests refused by a gateway key's limits, by key and reason");
        for (Map.Entry<String, Long> e : limiter.refusals().entrySet()) {
            int cut = e.getKey().indexOf('/');
            refused.dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder()
                    .labels(Labels.of("key", e.getKey().substring(0, cut),
                            "reason", e.getKey().substring(cut + 1).toLowerCase(Locale.ROOT)))
                    .value(e.getValue()).build());
        }
        GaugeSnapshot degraded = GaugeSnapshot.builder().name("junction_limits_degraded")
                .help("1 while the shared limit store is unreachable and limits are per instance (or refused)")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(Labels.of("store", limiter.storeName()))
                        .value(limiter.degraded() ? 1 : 0).build()).build();
        CounterSnapshot trips = CounterSnapshot.builder().name("junction_limits_redis_round_trips")
                .help("Round trips to the shared limit store (one to reserve, one to settle a request)")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(limiter.redisRoundTrips()).build())
                .build();
        CounterSnapshot failures = CounterSnapshot.builder().name("junction_limits_store_failures")
                .help("Calls to the shared limit store that failed (served per instance, or refused when closed)")
                .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(limiter.storeFailures()).build())
                .build();
        GaugeSnapshot unreconciled = GaugeSnapshot.builder().name("junction_limits_unreconciled_spend_usd")
                .help("Spend counted by this instance while Redis was unreachable, not yet added to Redis")
                .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().value(limiter.unreconciledSpendUsd()).build())
                .build();
        return MetricSnapshots.of(spend.build(), cost.build(), refused.build(), degraded, trips, failures, unreconciled);
    }
}
