package dev.junction.core.config;

/** {@code junction.access-log} (SPEC §8): one JSON line per request; prompt text only when enabled. */
public record AccessLogConfig(boolean enabled, boolean includePrompts) {

    /** The values of {@code reference.conf}. */
    public static final AccessLogConfig DEFAULT = new AccessLogConfig(true, false);
}
