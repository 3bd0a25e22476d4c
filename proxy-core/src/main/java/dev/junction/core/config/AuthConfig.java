package dev.junction.core.config;

import java.util.List;

/** {@code junction.auth}: gateway keys. With no keys every request is accepted (SPEC §1). */
public record AuthConfig(boolean allowAnonymous, List<KeyConfig> keys) {

    public AuthConfig {
        keys = List.copyOf(keys);
    }

    /** True when at least one key is configured, i.e. auth is on. */
    public boolean enabled() {
        return !keys.isEmpty();
    }
}
