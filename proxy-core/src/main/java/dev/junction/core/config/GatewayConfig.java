package dev.junction.core.config;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The whole validated configuration: an immutable snapshot, swapped atomically on reload
 * (DESIGN house rule 4). Built only by {@code ConfigLoader}, which reports every error with the
 * path of the offending setting (e.g. {@code junction.providers.anthropic.base-url}).
 *
 * @param providers every configured provider by name, enabled or not
 * @param models    the aliases clients put in {@code model}, in config order
 * @param catalogPath resolved path of the user's catalog file, or null when none
 * @param source    the config file this snapshot came from (null for built-in defaults)
 * @param warnings  non-fatal findings (e.g. a provider disabled for a missing key), shown at start-up
 */
public record GatewayConfig(ServerConfig server, AuthConfig auth, Map<String, ProviderConfig> providers,
                            Map<String, AliasConfig> models, Path catalogPath, Path source,
                            List<String> warnings) {

    public GatewayConfig {
        providers = Map.copyOf(providers);
        models = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(models));
        warnings = List.copyOf(warnings);
    }
}
