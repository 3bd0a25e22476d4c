package dev.junction.core.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.junction.core.config.ConfigText.describe;
import static dev.junction.core.config.ConfigText.suggestion;

/**
 * Reads {@code junction.models} with {@code junction.alias-defaults} (SPEC §2, §7): each alias's
 * strategy, its deployments (checked against the configured providers), hedging and caching.
 */
final class ModelParser {

    private static final List<String> ALIAS_KEYS = List.of("strategy", "deployments", "hedge", "cache");
    private static final List<String> DEPLOYMENT_KEYS = List.of("provider", "model", "weight", "timeouts");
    private static final List<String> HEDGE_KEYS = List.of("after", "max-extra");
    private static final List<String> CACHE_KEYS = List.of("ttl", "max-entries", "max-bytes", "allow-temperature", "shared");

    private final ConfigProblems problems;
    private final ResilienceParser resilience;

    ModelParser(ConfigProblems problems, ResilienceParser resilience) {
        this.problems = problems;
        this.resilience = resilience;
    }

    Map<String, AliasConfig> models(ConfigSection junction, Map<String, ProviderConfig> providers) {
        ConfigSection defaults = junction.section("alias-defaults", true);
        String defaultStrategy = defaults == null ? null : defaults.oneOf("strategy", ConfigLoader.STRATEGIES, true);
        Integer defaultMaxExtra = defaults == null ? null : defaults.intIn("hedge-max-extra", 1, 10, true);
        Long defaultMaxEntries = defaults == null ? null : defaults.longAtLeast("cache-max-entries", 1, true);
        Long defaultMaxBytes = defaults == null ? null : defaults.bytes("cache-max-bytes", true);

        Map<String, AliasConfig> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigSection> e : junction.entries("models").entrySet()) {
            String alias = e.getKey();
            ConfigSection a = e.getValue();
            a.checkKeys(ALIAS_KEYS);
            String strategy = a.has("strategy") ? a.oneOf("strategy", ConfigLoader.STRATEGIES, true) : defaultStrategy;
            List<DeploymentConfig> deployments = deployments(a, providers);
            AliasConfig.HedgeConfig hedge = hedge(alias, a, deployments, defaultMaxExtra);
            AliasConfig.CacheConfig cache = cache(a, defaultMaxEntries, defaultMaxBytes);
            if (!deployments.isEmpty() && deployments.stream()
                    .noneMatch(d -> providers.containsKey(d.provider()) && providers.get(d.provider()).enabled())) {
                problems.warn("alias '" + alias + "' has no enabled deployment; requests for it fail until "
                        + "one of its providers is enabled");
            }
            out.put(alias, new AliasConfig(alias, strategy, deployments, hedge, cache));
        }
        return out;
    }

    private AliasConfig.HedgeConfig hedge(String alias, ConfigSection a, List<DeploymentConfig> deployments,
                                          Integer defaultMaxExtra) {
        ConfigSection hs = a.section("hedge", false);
        if (hs == null) {
            return null;
        }
        hs.checkKeys(HEDGE_KEYS);
        Duration after = null;
        if (hs.has("after")) {
            ConfigValue v = hs.value("after");
            String text = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped() : null;
            if (!"p95".equals(text)) {
                try {
                    after = hs.c.getDuration("after");
                    if (after.isNegative() || after.isZero()) {
                        hs.error("after", "must be p95 or a duration > 0, got " + describe(v, false));
                        after = null;
                    }
                } catch (com.typesafe.config.ConfigException ex) {
                    hs.error("after", "must be p95 or a duration such as 800ms, got " + describe(v, false));
                }
            }
        }
        Integer maxExtra = hs.has("max-extra") ? hs.intIn("max-extra", 1, 10, true) : defaultMaxExtra;
        AliasConfig.HedgeConfig hedge = new AliasConfig.HedgeConfig(after, maxExtra == null ? 1 : maxExtra);
        if (deployments.size() < 2) {
            problems.warn("alias '" + alias + "' enables hedging but has a single deployment; "
                    + "a hedge needs another deployment to run on");
        }
        return hedge;
    }

    private AliasConfig.CacheConfig cache(ConfigSection a, Long defaultMaxEntries, Long defaultMaxBytes) {
        ConfigSection cs = a.section("cache", false);
        if (cs == null) {
            return null;
        }
        cs.checkKeys(CACHE_KEYS);
        Duration ttl = cs.duration("ttl", true);
        Long maxEntries = cs.has("max-entries") ? cs.longAtLeast("max-entries", 1, true) : defaultMaxEntries;
        Long maxBytes = cs.has("max-bytes") ? cs.bytes("max-bytes", true) : defaultMaxBytes;
        Boolean allowTemperature = cs.bool("allow-temperature", false);
        Boolean shared = cs.bool("shared", false);
        return new AliasConfig.CacheConfig(ttl, maxEntries == null ? 0 : maxEntries,
                maxBytes == null ? AliasConfig.CacheConfig.DEFAULT_MAX_BYTES : maxBytes,
                Boolean.TRUE.equals(allowTemperature), Boolean.TRUE.equals(shared));
    }

    private List<DeploymentConfig> deployments(ConfigSection alias, Map<String, ProviderConfig> providers) {
        List<ConfigSection> items = alias.objectList("deployments", true);
        if (items == null) {
            return List.of();
        }
        if (items.isEmpty()) {
            alias.error("deployments", "must list at least one deployment");
        }
        List<DeploymentConfig> out = new ArrayList<>();
        Map<String, String> seen = new HashMap<>();
        for (ConfigSection d : items) {
            d.checkKeys(DEPLOYMENT_KEYS);
            String provider = d.string("provider", true);
            String model = d.string("model", true);
            Integer weight = d.has("weight") ? d.intIn("weight", 1, 1_000_000, true) : Integer.valueOf(1);
            if (model != null && model.isBlank()) {
                d.error("model", "must not be empty");
            }
            ProviderConfig p = provider == null ? null : providers.get(provider);
            if (provider != null && p == null) {
                d.error("provider", "no provider named '" + provider + "'"
                        + suggestion(provider, providers.keySet()) + " (configured: "
                        + (providers.isEmpty() ? "none" : String.join(", ", providers.keySet())) + ")");
            }
            Timeouts t = p == null ? null : p.timeouts();
            ConfigSection ts = d.section("timeouts", false);
            if (ts != null) {
                Timeouts own = resilience.timeouts(ts, false);
                t = t == null ? own : t.overriddenBy(own);
            }
            if (provider == null || model == null) {
                continue;
            }
            DeploymentConfig dc = new DeploymentConfig(provider, model, weight == null ? 1 : weight, t);
            String previous = seen.putIfAbsent(dc.id(), d.path);
            if (previous != null) {
                d.error("", "duplicate deployment " + dc.id() + " (already " + previous + ")");
            }
            out.add(dc);
        }
        return out;
    }
}
