package dev.junction.core.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code junction.tasks} (SPEC §6).
 *
 * @param store    {@code embedded} or {@code redis}
 * @param path     the embedded store's file, resolved against the working directory
 * @param redisUri the Redis URI when {@code store = redis}, else null; may hold a password, so
 *                 {@link #toString()} does not show it
 * @param mediaDir       where generated media are kept (SPEC §6.4), resolved against the working directory
 * @param mediaRetention how long a stored media item is served before it is deleted
 */
public record TasksConfig(String store, Path path, String redisUri, Path mediaDir, Duration mediaRetention) {

    /** The values of {@code reference.conf}, with the paths relative to the working directory. */
    public static final TasksConfig DEFAULT = new TasksConfig("embedded", Path.of("data", "tasks.db"), null,
            Path.of("data", "media"), Duration.ofHours(24));

    public TasksConfig(String store, Path path, String redisUri) {
        this(store, path, redisUri, DEFAULT.mediaDir(), DEFAULT.mediaRetention());
    }

    @Override
    public String toString() {
        return "TasksConfig[" + store + ", path=" + path + (redisUri != null ? ", redis-uri=(set)" : "") + ", media-dir=" + mediaDir
                + ", media-retention=" + mediaRetention + "]";
    }
}
