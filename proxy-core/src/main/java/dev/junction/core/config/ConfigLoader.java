package dev.junction.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigValueFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads {@code junction.conf} into a validated {@link GatewayConfig} (SPEC §1, §2).
 *
 * <p>Layers, highest first: system properties ({@code -Djunction.server.port=9090}), the user's file,
 * {@code reference.conf}. Substitutions such as {@code ${?ANTHROPIC_API_KEY}} are resolved against the
 * environment at {@code resolve()}, so validation runs only on the resolved tree (DESIGN "Known
 * pitfalls"). Validation collects every problem, each prefixed by its full config path, and throws
 * one {@link ConfigException}. Conditions that should not stop the gateway (a provider with no key,
 * a gateway key whose variable is unset) become {@link GatewayConfig#warnings()} instead.
 *
 * <p>This class parses and resolves; {@link ConfigValidator} reads the resolved tree, one parser per
 * area ({@link ServerAuthParser}, {@link ProviderParser}, {@link ModelParser}, {@link ResilienceParser},
 * {@link FeatureSectionsParser}) over {@link ConfigSection} readers.
 */
public final class ConfigLoader {

    /** Provider types that Junction has an adapter for. */
    public static final Set<String> PROVIDER_TYPES =
            Set.of("openai", "openai-compatible", "anthropic", "gemini", "azure-openai", "runway");
    /** Alias strategies (SPEC §7). */
    public static final Set<String> STRATEGIES = Set.of("priority", "weighted", "latency", "cost");

    private ConfigLoader() {
    }

    /** Loads {@code file} with system properties on top and the process environment for {@code ${?VAR}}. */
    public static GatewayConfig load(Path file) {
        // junction.log.* and junction.access-log.level are logback's switches (logback.xml), not
        // settings of this file: they are left out of the overrides.
        Config overrides = ConfigFactory.systemProperties().withoutPath("junction.log")
                .withoutPath("junction.access-log.level");
        return load(file, overrides, System.getenv());
    }

    /**
     * Loads {@code file}; {@code overrides} take precedence over it (system properties in production)
     * and {@code env} supplies {@code ${?VAR}} substitutions (the process environment in production;
     * tests pass their own map because a JVM cannot change its environment).
     */
    public static GatewayConfig load(Path file, Config overrides, Map<String, String> env) {
        Path abs = file.toAbsolutePath().normalize();
        if (!Files.isRegularFile(abs)) {
            throw new ConfigException(abs, List.of("config file not found: " + abs
                    + " (pass --config FILE or set JUNCTION_CONFIG)"));
        }
        Config parsed;
        try {
            parsed = ConfigFactory.parseFile(abs.toFile(), ConfigParseOptions.defaults().setAllowMissing(false));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(abs, List.of("cannot parse: " + e.getMessage()));
        }
        return load(overrides.withFallback(parsed), abs, env);
    }

    /**
     * Validates an already parsed user config (tests, or a config assembled in code). Relative paths
     * are resolved against {@code source}'s directory, or the working directory when it is null.
     */
    public static GatewayConfig load(Config user, Path source, Map<String, String> env) {
        Path abs = source == null ? null : source.toAbsolutePath().normalize();
        Config reference = ConfigFactory.parseResources(ConfigLoader.class.getClassLoader(), "reference.conf");
        Config unresolved = user.withFallback(reference);
        Config resolved;
        try {
            Config envConfig = ConfigValueFactory.fromMap(new HashMap<>(env), "environment").toConfig();
            resolved = unresolved.withFallback(envConfig)
                    .resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false));
        } catch (com.typesafe.config.ConfigException.UnresolvedSubstitution e) {
            throw new ConfigException(abs, List.of(e.getMessage()
                    + " (write ${?NAME} to make an environment variable optional)"));
        } catch (com.typesafe.config.ConfigException e) {
            throw new ConfigException(abs, List.of(e.getMessage()));
        }
        // The reference's own optional substitutions (e.g. junction.demo.simulator-url) must be
        // resolved before its shape is compared with the user's keys.
        Config referenceShape = reference.resolve(ConfigResolveOptions.defaults().setUseSystemEnvironment(false)
                .setAllowUnresolved(true));
        try {
            return new ConfigValidator(resolved, user, referenceShape, abs).validate();
        } catch (com.typesafe.config.ConfigException e) {
            // The validator reads defensively; this only catches a shape it did not anticipate, so the
            // user still gets a config error naming the place rather than a stack trace.
            throw new ConfigException(abs, List.of(e.getMessage()));
        }
    }

    /** Loads a config given as HOCON text, with an empty environment (tests). */
    public static GatewayConfig loadString(String hocon) {
        return load(ConfigFactory.parseString(hocon), null, Map.of());
    }
}
