package dev.junction.core.config;

import dev.junction.core.media.FetchPolicy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;

import java.nio.file.Path;
import java.util.Map;

/**
 * One validation run: reads the resolved tree section by section, collecting errors and warnings,
 * and builds the {@link GatewayConfig} or throws one {@link ConfigException} with every error.
 * Sections are read in a fixed order (server, providers, models, auth, ...) because later sections
 * are checked against earlier ones and the errors are reported in the order they were found.
 */
final class ConfigValidator {
    private final Config root;
    private final ConfigObject reference;
    private final Path source;
    private final Path baseDir;
    private final ConfigProblems problems = new ConfigProblems();
    private final EnvHints hints;

    /**
     * @param root           the resolved tree (user over reference.conf, substitutions applied)
     * @param userUnresolved the user's own tree before resolution, for environment-variable hints
     * @param reference      reference.conf's shape, for unknown-setting checks
     * @param source         the config file, or null; relative paths resolve against its directory
     */
    ConfigValidator(Config root, Config userUnresolved, Config reference, Path source) {
        this.root = root;
        this.hints = new EnvHints(userUnresolved);
        this.reference = reference.root();
        this.source = source;
        this.baseDir = source == null ? Path.of("").toAbsolutePath() : source.getParent();
    }

    GatewayConfig validate() {
        ConfigSection j = new ConfigSection(root, "", problems);
        ConfigSection junction = j.section("junction", true);
        if (junction == null) {
            throw new ConfigException(source, problems.errors());
        }
        ConfigValue refJunction = reference.get("junction");
        new UnknownKeys(problems).check(root.getObject("junction"), (ConfigObject) refJunction, "junction");

        ResilienceParser resilienceParser = new ResilienceParser(root);
        ServerAuthParser serverAuth = new ServerAuthParser(root, problems, hints);
        FeatureSectionsParser features = new FeatureSectionsParser(baseDir);

        ServerConfig server = serverAuth.server(junction.section("server", true));
        Map<String, ProviderConfig> providers = new ProviderParser(problems, hints, resilienceParser).providers(junction);
        Map<String, AliasConfig> models = new ModelParser(problems, resilienceParser).models(junction, providers);
        AuthConfig auth = serverAuth.auth(junction.section("auth", true), models);
        serverAuth.checkExposure(server, auth);
        Path catalog = features.catalog(junction);
        ResilienceConfig resilience = resilienceParser.resilience(junction.section("resilience", true));
        StreamingConfig streaming = features.streaming(junction.section("streaming", true));
        TranslationConfig translation = features.translation(junction.section("translation", true));
        TasksConfig tasks = features.tasks(junction.section("tasks", true), junction);
        AccessLogConfig accessLog = features.accessLog(junction.section("access-log", true));
        TracingConfig tracing = features.tracing(junction.section("tracing", true));
        MetricsConfig metrics = features.metrics(junction.section("metrics", true));
        LimitsConfig limits = features.limits(junction.section("limits", true));
        CacheStoreConfig cache = features.cache(junction.section("cache", true));
        features.demo(junction.section("demo", true));
        FetchPolicy mediaFetch = features.mediaFetch(junction.section("media-fetch", true));

        if (!problems.errors().isEmpty()) {
            throw new ConfigException(source, problems.errors());
        }
        return new GatewayConfig(server, auth, providers, models, catalog, source, problems.warnings(), resilience,
                streaming, translation, tasks, accessLog, mediaFetch, limits, tracing, cache, metrics);
    }
}
