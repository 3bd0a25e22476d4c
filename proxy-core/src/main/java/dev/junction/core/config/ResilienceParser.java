package dev.junction.core.config;

import com.typesafe.config.Config;

import java.time.Duration;
import java.util.List;

/**
 * Reads {@code junction.resilience} (retry, circuit breaker, hedge budget, latency routing; SPEC §7) and the retry and
 * timeout blocks that providers and deployments override ({@code provider-defaults.timeouts},
 * {@code providers.<name>.retry}, {@code ...timeouts}).
 */
final class ResilienceParser {

    private static final List<String> TIMEOUT_KEYS = List.of("connect", "first-byte", "idle-between-chunks", "total");
    private static final List<String> RETRY_KEYS = List.of("max-attempts", "base", "cap");

    private final Config root;

    ResilienceParser(Config root) {
        this.root = root;
    }

    ResilienceConfig resilience(ConfigSection s) {
        if (s == null) {
            return null;
        }
        ConfigSection rs = s.section("retry", true);
        RetryConfig retry = rs == null ? null : retry(rs, true);
        ConfigSection cb = s.section("circuit-breaker", true);
        CircuitBreakerConfig breaker = null;
        if (cb != null) {
            Double rate = cb.doubleIn("failure-rate", 0.0, 1.0);
            Integer min = cb.intIn("minimum-requests", 1, Integer.MAX_VALUE, true);
            Duration window = cb.duration("window", true);
            Duration openFor = cb.duration("open-for", true);
            Integer probes = cb.intIn("half-open-probes", 1, 1000, true);
            breaker = new CircuitBreakerConfig(rate == null ? 0 : rate, min == null ? 0 : min, window, openFor,
                    probes == null ? 0 : probes);
        }
        ConfigSection hedge = s.section("hedge", true);
        Integer budget = hedge == null ? null : hedge.intIn("budget-percent", 0, 100, true);
        ConfigSection lr = s.section("latency-routing", true);
        LatencyRoutingConfig latency = LatencyRoutingConfig.DEFAULT;
        if (lr != null) {
            Double tailWeight = lr.doubleFrom("tail-weight", 0, 1, true);
            Double tolerance = lr.doubleFrom("tolerance", 0, 10, true);
            Double explore = lr.doubleFrom("explore-percent", 0, 50, true);
            latency = new LatencyRoutingConfig(tailWeight == null ? latency.tailWeight() : tailWeight,
                    tolerance == null ? latency.tolerance() : tolerance, explore == null ? latency.explorePercent() : explore);
        }
        return new ResilienceConfig(retry, breaker, budget == null ? 0 : budget, latency);
    }

    /**
     * A retry block: {@code complete} for {@code junction.resilience.retry} (every setting required),
     * otherwise a provider override that inherits what it does not set.
     */
    RetryConfig retry(ConfigSection s, boolean complete) {
        if (!complete) {
            s.checkKeys(RETRY_KEYS);
        }
        RetryConfig d = RetryConfig.DEFAULT;
        Integer attempts = s.has("max-attempts") || complete ? s.intIn("max-attempts", 1, 100, true) : null;
        Duration base = s.has("base") || complete ? s.duration("base", true) : null;
        Duration cap = s.has("cap") || complete ? s.duration("cap", true) : null;
        if (!complete) {
            // A provider override inherits what it does not set from junction.resilience.retry.
            RetryConfig global = globalRetry();
            if (global != null) {
                d = global;
            }
        }
        RetryConfig r = new RetryConfig(attempts != null ? attempts : d.maxAttempts(), base != null ? base : d.base(),
                cap != null ? cap : d.cap());
        if (r.base() != null && r.cap() != null && r.cap().compareTo(r.base()) < 0) {
            s.error("cap", "must be at least base (" + r.base() + "), got " + r.cap());
        }
        return r;
    }

    private RetryConfig globalRetry() {
        try {
            Config c = root.getConfig("junction.resilience.retry");
            return new RetryConfig(c.getInt("max-attempts"), c.getDuration("base"), c.getDuration("cap"));
        } catch (com.typesafe.config.ConfigException e) {
            return null; // reported where junction.resilience.retry itself is validated
        }
    }

    /**
     * {@code complete}: the {@code timeouts} block inside {@code owner}, every setting required;
     * otherwise {@code owner} is itself an override block whose settings are optional.
     */
    Timeouts timeouts(ConfigSection owner, boolean complete) {
        ConfigSection s = complete ? owner.section("timeouts", true) : owner;
        if (s == null) {
            return null;
        }
        if (!complete) {
            s.checkKeys(TIMEOUT_KEYS);
        }
        return new Timeouts(s.duration("connect", complete), s.duration("first-byte", complete),
                s.duration("idle-between-chunks", complete), s.duration("total", complete));
    }
}
