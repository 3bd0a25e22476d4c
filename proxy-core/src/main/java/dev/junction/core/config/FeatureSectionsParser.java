package dev.junction.core.config;

import dev.junction.core.media.FetchPolicy;

import java.nio.file.Files;
import java.nio.file.Path;
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

    TasksConfig tasks(ConfigSection s) {
        if (s == null) {
            return null;
        }
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
        if (mediaDir != null && mediaDir.isBlank()) {
            s.error("media-dir", "must not be empty");
        }
        java.time.Duration mediaRetention = s.duration("media-retention", true);
        if (mediaRetention != null && mediaRetention.toSeconds() < 1) {
            s.error("media-retention", "must be at least 1s");
        }
        return new TasksConfig(store, path == null || path.isBlank() ? null : Path.of(path).toAbsolutePath().normalize(),
                redisUri, mediaDir == null || mediaDir.isBlank() ? null : Path.of(mediaDir).toAbsolutePath().normalize(),
                mediaRetention);
    }

    AccessLogConfig accessLog(ConfigSection s) {
        return s == null ? null
                : new AccessLogConfig(bool(s.bool("enabled", true)), bool(s.bool("include-prompts", true)));
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
