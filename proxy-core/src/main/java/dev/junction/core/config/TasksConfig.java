package dev.junction.core.config;

import dev.junction.core.media.FetchPolicy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * {@code junction.tasks} (SPEC §6.4), plus the task settings that live elsewhere: each provider's
 * {@code max-concurrent-tasks} and each gateway key's {@code webhook-secret} / {@code webhook-url}.
 *
 * @param store          {@code embedded} or {@code redis}
 * @param path           the embedded store's file, resolved against the working directory
 * @param redisUri       the Redis URI when {@code store = redis}, else null; may hold a password, so
 *                       {@link #toString()} does not show it
 * @param mediaDir       where results are kept
 * @param mediaRetention how long stored media are served
 * @param taskRetention  how long a finished task is kept
 * @param expireAfter    a task not finished this long after its creation ends {@code expired}
 * @param workers        tasks worked on at once by this instance
 * @param maxAttempts    runs of a task before a retryable failure becomes final
 * @param retryBase      first backoff between runs (doubles, full jitter)
 * @param retryCap       longest backoff between runs
 * @param pollInitial    first wait before polling a vendor job (doubles per poll)
 * @param pollMax        longest wait between polls (a vendor's hint wins)
 * @param lease          how long a claim holds without renewal (takeover after an instance died)
 * @param webhooks       webhook settings
 * @param providerLimits provider name → {@code max-concurrent-tasks}
 * @param keyWebhooks    gateway key name → its webhook defaults
 */
public record TasksConfig(String store, Path path, String redisUri, Path mediaDir, Duration mediaRetention,
                          Duration taskRetention, Duration expireAfter, int workers, int maxAttempts,
                          Duration retryBase, Duration retryCap, Duration pollInitial, Duration pollMax, Duration lease,
                          Webhooks webhooks, Map<String, Integer> providerLimits, Map<String, KeyWebhook> keyWebhooks) {

    /**
     * {@code junction.tasks.webhooks}.
     *
     * @param secret the signing secret ({@code whsec_<base64>}) for keys without their own, or null
     * @param allow  targets allowed although they resolve to loopback/private addresses (and plain
     *               http), in {@code media-fetch.allow} syntax
     * @param maxAge deliveries are retried until a 2xx or this long after the task ended
     */
    public record Webhooks(String secret, FetchPolicy allow, Duration maxAge, Duration timeout) {
        @Override
        public String toString() {
            return "Webhooks[secret=" + (secret == null ? "none" : "(set)") + ", max-age=" + maxAge + "]";
        }
    }

    /** A gateway key's {@code webhook-secret} and default {@code webhook-url} (either may be null). */
    public record KeyWebhook(String secret, String url) {
        @Override
        public String toString() {
            return "KeyWebhook[secret=" + (secret == null ? "none" : "(set)") + ", url=" + url + "]";
        }
    }

    public TasksConfig {
        providerLimits = Map.copyOf(providerLimits);
        keyWebhooks = Map.copyOf(keyWebhooks);
    }

    /** The values of {@code reference.conf}, with paths relative to the working directory. */
    public static final TasksConfig DEFAULT = new TasksConfig("embedded", Path.of("data", "tasks.db"), null,
            Path.of("data", "media"), Duration.ofHours(24), Duration.ofDays(7), Duration.ofHours(24), 64, 5,
            Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ofSeconds(2), Duration.ofSeconds(30),
            Duration.ofSeconds(30), new Webhooks(null, FetchPolicy.defaults(), Duration.ofHours(24), Duration.ofSeconds(10)),
            Map.of(), Map.of());

    @Override
    public String toString() {
        return "TasksConfig[" + store + ", path=" + path + (redisUri != null ? ", redis-uri=(set)" : "")
                + ", workers=" + workers + ", lease=" + lease + "]";
    }
}
