package dev.junction.core.config;

import java.time.Duration;

/** {@code junction.streaming} (SPEC §5): how often {@code : keepalive} comments go out while waiting. */
public record StreamingConfig(Duration keepaliveInterval) {

    /** The values of {@code reference.conf}. */
    public static final StreamingConfig DEFAULT = new StreamingConfig(Duration.ofSeconds(15));
}
