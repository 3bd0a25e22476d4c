package dev.junction.core.config;

import java.nio.file.Path;

/**
 * {@code junction.tasks} (SPEC §6).
 *
 * @param store    {@code embedded} or {@code redis}
 * @param path     the embedded store's file, resolved against the working directory
 * @param redisUri the Redis URI when {@code store = redis}, else null; may hold a password, so
 *                 {@link #toString()} does not show it
 */
public record TasksConfig(String store, Path path, String redisUri) {

    /** The values of {@code reference.conf}, with the path relative to the working directory. */
    public static final TasksConfig DEFAULT = new TasksConfig("embedded", Path.of("data", "tasks.db"), null);

    @Override
    public String toString() {
        return "TasksConfig[" + store + ", path=" + path + (redisUri != null ? ", redis-uri=(set)" : "") + "]";
    }
}
