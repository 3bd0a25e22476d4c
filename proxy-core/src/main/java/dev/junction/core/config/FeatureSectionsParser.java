package dev.junction.core.config;

import dev.junction.core.media.FetchPolicy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads the smaller top-level sections: the model catalog file, {@code streaming} (SPEC §5),
 * {@code translation}, {@code tasks} (SPEC §6), {@code access-log} (SPEC §8) and {@code demo}.
 * Each method takes the section as read from {@code junction} (null when it was missing or not an
 * object, already reported) and returns null in that case.
 */
final class FeatureSectionsParser {

    private final Path baseDir;

    /** {@code baseDir}: where a relative catalog path is resolved from (the config file's directory). */
    FeatureSectionsParser(Path baseDir) {
        this.baseDir = baseDir;
    }

    Path catalog(ConfigSection junction) {
        String catalog = junction.string("catalog", false);
        if (catalog == null) {
            return null;
        }
        if (catalog.isBlank()) {
            junction.error("catalog", "must be a file path or null");
            return null;
        }
        Path p = baseDir.resolve(catalog).normalize();
        if (!Files.isRegularFile(p)) {
            junction.error("catalog", "file not found: " + p + " (relative paths are resolved against "
                    + baseDir + ")");
        }
        return p;
    }

    StreamingConfig streaming(ConfigSection s) {
        return s == null ? null : new StreamingConfig(s.duration("keepalive-interval", true));
    }

    TranslationConfig translation(ConfigSection s) {
        return s == null ? null : new TranslationConfig(s.oneOf("unsupported", Set.of("reject", "drop"), true));
    }

    /**
     * {@code junction.tasks}, with each provider's {@code max-concurrent-tasks} and each gateway
     * key's {@code webhook-secret} / {@code webhook-url} (read here so that the task settings are
     * one value).
     */
    TasksConfig tasks(ConfigSection s, ConfigSection junction) {
        if (s == null) {
            return null;
        }
        TasksConfig d = TasksConfig.DEFAULT;
        String store = s.oneOf("store", Set.of("embedded", "redis"), true);
        String path = s.string("path", true);
        String redisUri = s.secret("redis-uri");
        if ("redis".equals(store) && redisUri == null) {
            s.error("redis-uri", "is required when junction.tasks.store = redis (e.g. \"redis://localhost:6379/0\")");
        }
        if (redisUri != null && !(redisUri.startsWith("redis://") || redisUri.startsWith("rediss://"))) {
            s.error("redis-uri", "must start with redis:// or rediss://");
        }
        if (path != null && path.isBlank()) {
            s.error("path", "must not be empty");
        }
        String mediaDir = s.string("media-dir", true);
        Integer workers = s.intIn("workers", 1, 100_000, true);
        Integer maxAttempts = s.intIn("max-attempts", 1, 1000, true);
        ConfigSection retry = s.section("retry", true);
        ConfigSection poll = s.section("poll", true);
        ConfigSection hooks = s.section("webhooks", true);
        Duration retryBase = retry == null ? null : retry.duration("base", true);
        Duration retryCap = retry == null ? null : retry.duration("cap", true);
        Duration pollInitial = poll == null ? null : poll.duration("initial", true);
        Duration pollMax = poll == null ? null : poll.duration("max", true);
        if (retryBase != null && retryCap != null && retryCap.compareTo(retryBase) < 0) {
            retry.error("cap", "must be at least retry.base (" + retryBase + ")");
        }
        if (pollInitial != null && pollMax != null && pollMax.compareTo(pollInitial) < 0) {
            poll.error("max", "must be at least poll.initial (" + pollInitial + ")");
        }
        TasksConfig.Webhooks webhooks = null;
        if (hooks != null) {
            String secret = hooks.secret("secret");
            checkWebhookSecret(hooks, "secret", secret);
            FetchPolicy allow = FetchPolicy.defaults();
            List<String> entries = hooks.stringList("allow", true);
            try {
                allow = allow.withAllow(entries == null ? new String[0] : entries.toArray(String[]::new));
            } catch (IllegalArgumentException e) {
                hooks.error("allow", e.getMessage());
            }
            webhooks = new TasksConfig.Webhooks(secret, allow, hooks.duration("max-age", true),
                    hooks.duration("timeout", true));
        }
        Map<String, Integer> limits = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigSection> p : junction.objectEntries("providers").entrySet()) {
            if (p.getValue().has("max-concurrent-tasks")) {
                Integer n = p.getValue().intIn("max-concurrent-tasks", 1, 100_000, true);
                if (n != null) {
                    limits.put(p.getKey(), n);
                }
            }
        }
        Map<String, TasksConfig.KeyWebhook> keys = new LinkedHashMap<>();
        for (ConfigSection k : junction.objectItems("auth.keys")) {
            String name = k.has("name") ? k.string("name", false) : null;
            String secret = k.secret("webhook-secret");
            checkWebhookSecret(k, "webhook-secret", secret);
            String url = k.has("webhook-url") ? k.url("webhook-url", false) : null;
            if (name != null && (secret != null || url != null)) {
                keys.put(name, new TasksConfig.KeyWebhook(secret, url));
            }
        }
        return new TasksConfig(store, path == null || path.isBlank() ? null : Path.of(path).toAbsolutePath().normalize(),
                redisUri, mediaDir == null || mediaDir.isBlank() ? d.mediaDir().toAbsolutePath()
                        : Path.of(mediaDir).toAbsolutePath().normalize(),
                orDefault(s.duration("media-retention", true), d.mediaRetention()),
                orDefault(s.duration("task-retention", true), d.taskRetention()),
                orDefault(s.duration("expire-after", true), d.expireAfter()),
                workers == null ? d.workers() : workers, maxAttempts == null ? d.maxAttempts() : maxAttempts,
                orDefault(retryBase, d.retryBase()), orDefault(retryCap, d.retryCap()),
                orDefault(pollInitial, d.pollInitial()), orDefault(pollMax, d.pollMax()),
                orDefault(s.duration("lease", true), d.lease()),
                webhooks == null ? d.webhooks() : new TasksConfig.Webhooks(webhooks.secret(), webhooks.allow(),
                        orDefault(webhooks.maxAge(), d.webhooks().maxAge()),
                        orDefault(webhooks.timeout(), d.webhooks().timeout())),
                limits, keys);
    }

    /** Standard Webhooks secrets are {@code whsec_} followed by base64 of the key bytes. */
    private static void checkWebhookSecret(ConfigSection s, String key, String secret) {
        if (secret == null) {
            return;
        }
        String b64 = secret.startsWith("whsec_") ? secret.substring(6) : null;
        boolean ok = b64 != null && !b64.isEmpty();
        if (ok) {
            try {
                ok = java.util.Base64.getDecoder().decode(b64).length >= 16;
            } catch (IllegalArgumentException e) {
                ok = false;
            }
        }
        if (!ok) {
            s.error(key, "must be \"whsec_\" followed by the base64 of at least 16 random bytes "
                    + "(e.g. \"whsec_\" + output of `openssl rand -base64 32`)");
        }
    }

    private static <T> T orDefault(T v, T d) {
        return v == null ? d : v;
    }

    /** {@code junction.limits} (SPEC §7.1). */
    LimitsConfig limits(ConfigSection s) {
        if (s == null) {
            return null;
        }
        String store = s.oneOf("store", Set.of("local", "redis"), true);
        String redisUri = s.secret("redis-uri");
        String failure = s.oneOf("on-store-failure", Set.of("open", "closed"), true);
        String path = s.string("path", true);
        java.time.Duration timeout = s.duration("redis-timeout", true);
        Integer maxOutput = s.intIn("default-max-output", 1, Integer.MAX_VALUE, true);
        if ("redis".equals(store) && redisUri == null) {
            s.error("redis-uri", "is required when junction.limits.store = redis (e.g. \"redis://localhost:6379/0\")");
        }
        if (redisUri != null && !(redisUri.startsWith("redis://") || redisUri.startsWith("rediss://"))) {
            s.error("redis-uri", "must start with redis:// or rediss://");
        }
        if (path != null && path.isBlank()) {
            s.error("path", "must not be empty");
        }
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            s.error("redis-timeout", "must be positive");
        }
        return new LimitsConfig(store, redisUri, !"closed".equals(failure),
                path == null || path.isBlank() ? null : Path.of(path).toAbsolutePath().normalize(),
                timeout == null ? LimitsConfig.DEFAULT.redisTimeout() : timeout,
                maxOutput == null ? LimitsConfig.DEFAULT.defaultMaxOutput() : maxOutput);
    }

    /** {@code junction.cache}: the store of the response cache (SPEC §7). */
    CacheStoreConfig cache(ConfigSection s) {
        if (s == null) {
            return null;
        }
        String store = s.oneOf("store", Set.of("local", "redis"), true);
        String redisUri = s.secret("redis-uri");
        java.time.Duration timeout = s.duration("redis-timeout", true);
        if ("redis".equals(store) && redisUri == null) {
            s.error("redis-uri", "is required when junction.cache.store = redis (e.g. \"redis://localhost:6379/0\")");
        }
        if (redisUri != null && !(redisUri.startsWith("redis://") || redisUri.startsWith("rediss://"))) {
            s.error("redis-uri", "must start with redis:// or rediss://");
        }
        return new CacheStoreConfig(store == null ? "local" : store, redisUri,
                timeout == null ? CacheStoreConfig.DEFAULT.redisTimeout() : timeout);
    }

    AccessLogConfig accessLog(ConfigSection s) {
        return s == null ? null
                : new AccessLogConfig(bool(s.bool("enabled", true)), bool(s.bool("include-prompts", true)));
    }

    /** {@code junction.metrics} (SPEC §8). */
    MetricsConfig metrics(ConfigSection s) {
        if (s == null) {
            return null;
        }
        Boolean enabled = s.bool("enabled", true);
        return enabled == null ? null : new MetricsConfig(enabled);
    }

    /** {@code junction.tracing} (SPEC §8). */
    TracingConfig tracing(ConfigSection s) {
        if (s == null) {
            return null;
        }
        String endpoint = s.url("otlp-endpoint", false);
        String service = s.string("service-name", true);
        java.time.Duration interval = s.duration("export-interval", true);
        java.time.Duration timeout = s.duration("export-timeout", true);
        Integer queue = s.intIn("max-queued-spans", 1, 1_000_000, true);
        if (service == null || interval == null || timeout == null || queue == null) {
            return null;
        }
        return new TracingConfig(endpoint, service, interval, timeout, queue);
    }

    /** {@code junction.media-fetch}: limits and allow-list for fetching remote media (SPEC §9). */
    FetchPolicy mediaFetch(ConfigSection s) {
        if (s == null) {
            return null;
        }
        try {
            return FetchPolicy.fromConfig(s.c);
        } catch (IllegalArgumentException | com.typesafe.config.ConfigException e) {
            s.error("", e.getMessage());
            return null;
        }
    }

    /** {@code junction.demo} is only checked: the snapshot does not carry it (the demo command reads the URL itself). */
    void demo(ConfigSection s) {
        if (s != null) {
            s.url("simulator-url", true);
        }
    }

    private static boolean bool(Boolean b) {
        return Boolean.TRUE.equals(b);
    }
}
