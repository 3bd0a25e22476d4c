package dev.junction.core.config;

import dev.junction.core.media.FetchPolicy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole validated configuration: an immutable snapshot, swapped atomically on reload
 * (DESIGN house rule 4). Built only by {@code ConfigLoader}, which reports every error with the
 * path of the offending setting (e.g. {@code junction.providers.anthropic.base-url}).
 *
 * @param providers every configured provider by name, enabled or not, in config order
 * @param models    the aliases clients put in {@code model}, in config order
 * @param catalogPath resolved path of the user's catalog file, or null when none
 * @param source    the config file this snapshot came from (null for built-in defaults)
 * @param warnings  non-fatal findings (e.g. a provider disabled for a missing key), shown at start-up
 * @param resilience  retry, circuit-breaker and hedge-budget settings (SPEC §7)
 * @param streaming   client streaming settings (SPEC §5)
 * @param translation what to do with fields a vendor cannot honour
 * @param tasks       the asynchronous task store (SPEC §6)
 * @param accessLog   the JSON access log (SPEC §8)
 * @param mediaFetch  how remote media is fetched for vendors that cannot fetch it (SPEC §9)
 * @param limits      where gateway-key limits and spend are kept (SPEC §7.1)
 * @param tracing     trace propagation and OTLP span export (SPEC §8)
 * @param cache       where the response cache keeps its entries (SPEC §7)
 * @param metrics     whether requests are recorded for {@code /metrics} (SPEC §8)
 */
public record GatewayConfig(ServerConfig server, AuthConfig auth, Map<String, ProviderConfig> providers,
                            Map<String, AliasConfig> models, Path catalogPath, Path source,
                            List<String> warnings, ResilienceConfig resilience, StreamingConfig streaming,
                            TranslationConfig translation, TasksConfig tasks, AccessLogConfig accessLog,
                            FetchPolicy mediaFetch, LimitsConfig limits,
                            TracingConfig tracing, CacheStoreConfig cache, MetricsConfig metrics) {

    public GatewayConfig {
        providers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(providers));
        models = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(models));
        warnings = List.copyOf(warnings);
        limits = limits == null ? LimitsConfig.DEFAULT : limits;
        cache = cache == null ? CacheStoreConfig.DEFAULT : cache;
        metrics = metrics == null ? MetricsConfig.DEFAULT : metrics;
    }

    /** The same without a {@code junction.cache} section (its defaults). */
    public GatewayConfig(ServerConfig server, AuthConfig auth, Map<String, ProviderConfig> providers,
                         Map<String, AliasConfig> models, Path catalogPath, Path source,
                         List<String> warnings, ResilienceConfig resilience, StreamingConfig streaming,
                         TranslationConfig translation, TasksConfig tasks, AccessLogConfig accessLog,
                         FetchPolicy mediaFetch, LimitsConfig limits, TracingConfig tracing) {
        this(server, auth, providers, models, catalogPath, source, warnings, resilience, streaming, translation, tasks,
                accessLog, mediaFetch, limits, tracing, CacheStoreConfig.DEFAULT, MetricsConfig.DEFAULT);
    }

    /** A snapshot with every later section at its {@code reference.conf} default (handy in tests). */
    public GatewayConfig(ServerConfig server, AuthConfig auth, Map<String, ProviderConfig> providers,
                         Map<String, AliasConfig> models, Path catalogPath, Path source, List<String> warnings) {
        this(server, auth, providers, models, catalogPath, source, warnings, ResilienceConfig.DEFAULT,
                StreamingConfig.DEFAULT, TranslationConfig.DEFAULT, TasksConfig.DEFAULT, AccessLogConfig.DEFAULT,
                FetchPolicy.defaults(), LimitsConfig.DEFAULT, TracingConfig.DEFAULT, CacheStoreConfig.DEFAULT,
                MetricsConfig.DEFAULT);
    }
}
