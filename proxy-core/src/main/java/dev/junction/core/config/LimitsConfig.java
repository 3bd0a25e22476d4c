package dev.junction.core.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code junction.limits} (SPEC §7.1): where the gateway keys' rate-limit windows, concurrency and
 * spend are kept.
 *
 * @param store            {@code local} (this process, spend in the file at {@code path}) or {@code redis}
 *                         (shared by every instance using the same Redis)
 * @param redisUri         the Redis URI when {@code store = redis}, else null; may hold a password, so
 *                         {@link #toString()} does not show it
 * @param failOpen         Redis unreachable: true serves with per-instance limits ({@code open}), false
 *                         answers 503 {@code limits_unavailable} ({@code closed})
 * @param path             the local spend file (SQLite), resolved against the working directory
 * @param redisTimeout     longest wait for one Redis round trip before the store counts as unreachable
 * @param defaultMaxOutput output tokens reserved when neither the request nor the catalog says
 */
public record LimitsConfig(String store, String redisUri, boolean failOpen, Path path, Duration redisTimeout,
                           int defaultMaxOutput) {

    /** The values of {@code reference.conf}, with the path relative to the working directory. */
    public static final LimitsConfig DEFAULT = new LimitsConfig("local", null, true,
            Path.of("data", "limits.db").toAbsolutePath().normalize(), Duration.ofMillis(500), 4096);

    public boolean redis() {
        return "redis".equals(store);
    }

    @Override
    public String toString() {
        return "LimitsConfig[" + store + (redisUri != null ? ", redis-uri=(set)" : "") + ", on-store-failure="
                + (failOpen ? "open" : "closed") + ", path=" + path + "]";
    }
}
