package dev.junction.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigRenderOptions;
import com.typesafe.config.ConfigResolveOptions;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import com.typesafe.config.ConfigValueType;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads {@code junction.conf} into a validated {@link GatewayConfig} (SPEC §1, §2).
 *
 * <p>Layers, highest first: system properties ({@code -Djunction.server.port=9090}), the user's file,
 * {@code reference.conf}. Substitutions such as {@code ${?ANTHROPIC_API_KEY}} are resolved against the
 * environment at {@code resolve()}, so validation runs only on the resolved tree (DESIGN "Known
 * pitfalls"). Validation collects every problem, each prefixed by its full config path, and throws
 * one {@link ConfigException}. Conditions that should not stop the gateway (a provider with no key,
 * a gateway key whose variable is unset) become {@link GatewayConfig#warnings()} instead.
 */
public final class ConfigLoader {

    /** Provider types that Junction has an adapter for. */
    public static final Set<String> PROVIDER_TYPES =
            Set.of("openai", "openai-compatible", "anthropic", "gemini", "azure-openai");
    /** Alias strategies (SPEC §7). */
    public static final Set<String> STRATEGIES = Set.of("priority", "weighted", "latency", "cost");

    /** The environment variable a provider type's key conventionally comes from, for hints. */
    private static final Map<String, String> KEY_ENV_BY_TYPE = Map.of(
            "openai", "OPENAI_API_KEY", "anthropic", "ANTHROPIC_API_KEY", "gemini", "GEMINI_API_KEY",
            "azure-openai", "AZURE_OPENAI_API_KEY");

    private static final List<String> PROVIDER_KEYS = List.of("type", "base-url", "api-key", "enabled",
            "api-version", "headers", "options", "retry", "timeouts", "max-connections", "rpm", "tpm");
    /** Vendor options a translator reads (documented in reference.conf), with their allowed values. */
    private static final Map<String, Set<String>> VENDOR_OPTIONS = Map.of(
            "stream-usage", Set.of("true", "false"),
            "unsupported", Set.of("reject", "drop"),
            "json-schema", Set.of("native", "tool"),
            "reasoning", Set.of("budget", "effort"),
            "thinking", Set.of("budget", "level"));
    private static final List<String> ALIAS_KEYS = List.of("strategy", "deployments", "hedge", "cache");
    private static final List<String> DEPLOYMENT_KEYS = List.of("provider", "model", "weight", "timeouts");
    private static final List<String> GATEWAY_KEY_KEYS =
            List.of("name", "key", "models", "rpm", "tpm", "budget-usd-per-day", "admin");
    private static final List<String> TIMEOUT_KEYS = List.of("connect", "first-byte", "idle-between-chunks", "total");
    private static final List<String> RETRY_KEYS = List.of("max-attempts", "base", "cap");
    private static final List<String> HEDGE_KEYS = List.of("after", "max-extra");
    private static final List<String> CACHE_KEYS = List.of("ttl", "max-entries", "allow-temperature");
    /** Sections whose entries are user-named and checked by their own parser, not against reference.conf. */
    private static final Set<String> USER_NAMED_SECTIONS = Set.of("providers", "models");
    /** Headers Junction computes itself; letting config set them would corrupt the framing. */
    private static final Set<String> FORBIDDEN_HEADERS =
            Set.of("host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "keep-alive");
    private static final Pattern HEADER_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
    private static final Pattern ENV_REF = Pattern.compile("\\$\\{\\?\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private ConfigLoader() {
    }

    /** Loads {@code file} with system properties on top and the process environment for {@code ${?VAR}}. */
    public static GatewayConfig load(Path file) {
        return load(file, ConfigFactory.systemProperties(), System.getenv());
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
            return new Validator(resolved, user, referenceShape, abs).validate();
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

    /** One validation run: reads the resolved tree, collecting errors and warnings. */
    private static final class Validator {
        private final Config root;
        private final Config userUnresolved;
        private final ConfigObject reference;
        private final Path source;
        private final Path baseDir;
        private final List<String> errors = new ArrayList<>();
        private final List<String> warnings = new ArrayList<>();

        Validator(Config root, Config userUnresolved, Config reference, Path source) {
            this.root = root;
            this.userUnresolved = userUnresolved;
            this.reference = reference.root();
            this.source = source;
            this.baseDir = source == null ? Path.of("").toAbsolutePath() : source.getParent();
        }

        GatewayConfig validate() {
            Section j = new Section(root, "");
            Section junction = j.section("junction", true);
            if (junction == null) {
                throw new ConfigException(source, errors);
            }
            ConfigValue refJunction = reference.get("junction");
            checkKnown(root.getObject("junction"), (ConfigObject) refJunction, "junction");

            ServerConfig server = server(junction.section("server", true));
            Map<String, ProviderConfig> providers = providers(junction);
            Map<String, AliasConfig> models = models(junction, providers);
            AuthConfig auth = auth(junction.section("auth", true), models);
            checkExposure(server, auth);
            Path catalog = catalog(junction);
            ResilienceConfig resilience = resilience(junction.section("resilience", true));
            Section streamingSection = junction.section("streaming", true);
            StreamingConfig streaming = streamingSection == null ? null
                    : new StreamingConfig(streamingSection.duration("keepalive-interval", true));
            Section translationSection = junction.section("translation", true);
            TranslationConfig translation = translationSection == null ? null
                    : new TranslationConfig(translationSection.oneOf("unsupported", Set.of("reject", "drop"), true));
            TasksConfig tasks = tasks(junction.section("tasks", true));
            Section accessSection = junction.section("access-log", true);
            AccessLogConfig accessLog = accessSection == null ? null
                    : new AccessLogConfig(bool(accessSection.bool("enabled", true)),
                    bool(accessSection.bool("include-prompts", true)));
            Section demo = junction.section("demo", true);
            if (demo != null) {
                demo.url("simulator-url", true);
            }

            if (!errors.isEmpty()) {
                throw new ConfigException(source, errors);
            }
            return new GatewayConfig(server, auth, providers, models, catalog, source, warnings, resilience,
                    streaming, translation, tasks, accessLog);
        }

        // ---- sections ------------------------------------------------------------------------

        private ServerConfig server(Section s) {
            if (s == null) {
                return null;
            }
            String host = s.string("host", true);
            if (host != null && host.isBlank()) {
                s.error("host", "must not be empty");
            }
            Integer port = s.intIn("port", 0, 65535, true);
            Long maxRequest = s.bytes("max-request-bytes", true);
            Long maxHeader = s.bytes("max-header-bytes", true);
            Integer maxDepth = s.intIn("max-json-depth", 1, 10_000, true);
            Long maxString = s.bytes("max-string-length", true);
            Duration idle = s.duration("idle-timeout", true);
            Duration read = s.duration("request-read-timeout", true);
            Integer io = s.intIn("io-threads", 0, 1024, true);
            if (maxHeader != null && maxHeader > Integer.MAX_VALUE) {
                s.error("max-header-bytes", "must be at most 2g, got " + maxHeader);
            }
            if (maxString != null && maxString > Integer.MAX_VALUE) {
                s.error("max-string-length", "must be at most 2g, got " + maxString);
            }
            return new ServerConfig(host, port == null ? 0 : port, maxRequest == null ? 0 : maxRequest,
                    maxHeader == null ? 0 : (int) Math.min(maxHeader, Integer.MAX_VALUE),
                    maxDepth == null ? 0 : maxDepth,
                    maxString == null ? 0 : (int) Math.min(maxString, Integer.MAX_VALUE), idle, read,
                    io == null ? 0 : io);
        }

        private Map<String, ProviderConfig> providers(Section junction) {
            Section defaults = junction.section("provider-defaults", true);
            Timeouts defaultTimeouts = defaults == null ? null : timeouts(defaults, true);
            Integer defaultMaxConnections = defaults == null ? null : defaults.intIn("max-connections", 1, 100_000, true);
            Integer defaultRpm = defaults == null ? null : defaults.intIn("rpm", 1, Integer.MAX_VALUE, false);
            Long defaultTpm = defaults == null ? null : defaults.longAtLeast("tpm", 1, false);

            Map<String, ProviderConfig> out = new LinkedHashMap<>();
            for (Map.Entry<String, Section> e : junction.entries("providers").entrySet()) {
                String name = e.getKey();
                Section p = e.getValue();
                p.checkKeys(PROVIDER_KEYS);
                String type = p.oneOf("type", PROVIDER_TYPES, true);
                String baseUrl = p.url("base-url", true);
                String apiKey = p.secret("api-key");
                Boolean enabledSetting = p.bool("enabled", false);
                Map<String, String> options = new LinkedHashMap<>();
                String apiVersion = p.string("api-version", false);
                if (apiVersion != null) {
                    options.put("api-version", apiVersion);
                }
                vendorOptions(p, options);
                Map<String, String> headers = headers(p);
                Timeouts t = defaultTimeouts;
                Section ts = p.section("timeouts", false);
                if (ts != null && t != null) {
                    t = t.overriddenBy(timeouts(ts, false));
                }
                Integer maxConnections = p.has("max-connections")
                        ? p.intIn("max-connections", 1, 100_000, true) : defaultMaxConnections;
                Integer rpm = p.has("rpm") ? p.intIn("rpm", 1, Integer.MAX_VALUE, true) : defaultRpm;
                Long tpm = p.has("tpm") ? p.longAtLeast("tpm", 1, true) : defaultTpm;
                Section rs = p.section("retry", false);
                RetryConfig retry = rs == null ? null : retry(rs, false);

                boolean enabled = true;
                String reason = null;
                if (Boolean.FALSE.equals(enabledSetting)) {
                    enabled = false;
                    reason = "enabled = false";
                } else if (apiKey == null && type != null && !"openai-compatible".equals(type)) {
                    enabled = false;
                    String hint = envHint(List.of("junction", "providers", name, "api-key"), KEY_ENV_BY_TYPE.get(type));
                    reason = "no api-key (set " + hint + ")";
                    warnings.add("provider '" + name + "' has no api-key (set " + hint + "); it is left out of routing");
                }
                out.put(name, new ProviderConfig(name, type, baseUrl, apiKey, enabled, reason, headers, options,
                        t, maxConnections == null ? 0 : maxConnections, rpm, tpm, retry));
            }
            return out;
        }

        private void vendorOptions(Section p, Map<String, String> options) {
            Section os = p.section("options", false);
            if (os == null) {
                return;
            }
            for (Map.Entry<String, ConfigValue> o : os.values().entrySet()) {
                String name = o.getKey();
                Set<String> allowed = VENDOR_OPTIONS.get(name);
                String v = o.getValue().valueType() == ConfigValueType.OBJECT || o.getValue().valueType() == ConfigValueType.LIST
                        ? null : String.valueOf(o.getValue().unwrapped());
                if (allowed == null) {
                    error(os.path(name), "unknown vendor option; known: " + new java.util.TreeSet<>(VENDOR_OPTIONS.keySet()),
                            o.getValue());
                } else if (v == null || !allowed.contains(v)) {
                    error(os.path(name), "must be one of " + new java.util.TreeSet<>(allowed), o.getValue());
                } else {
                    options.put(name, v);
                }
            }
        }

        private Map<String, String> headers(Section p) {
            Map<String, String> headers = new LinkedHashMap<>();
            Section hs = p.section("headers", false);
            if (hs == null) {
                return headers;
            }
            for (Map.Entry<String, ConfigValue> h : hs.values().entrySet()) {
                String name = h.getKey();
                String path = hs.path(name);
                if (!HEADER_TOKEN.matcher(name).matches()) {
                    error(path, "is not a valid HTTP header name", h.getValue());
                } else if (FORBIDDEN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                    error(path, "is set by Junction itself and cannot be configured", h.getValue());
                }
                if (h.getValue().valueType() == ConfigValueType.OBJECT
                        || h.getValue().valueType() == ConfigValueType.LIST) {
                    error(path, "must be a string, got " + describe(h.getValue(), true), h.getValue());
                    continue;
                }
                if (h.getValue().valueType() == ConfigValueType.NULL) {
                    continue;
                }
                String v = String.valueOf(h.getValue().unwrapped());
                if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                    // Header values may carry credentials: describe the problem, never echo the value.
                    error(path, "must not contain a line break", h.getValue());
                    continue;
                }
                headers.put(name, v);
            }
            return headers;
        }

        private Map<String, AliasConfig> models(Section junction, Map<String, ProviderConfig> providers) {
            Section defaults = junction.section("alias-defaults", true);
            String defaultStrategy = defaults == null ? null : defaults.oneOf("strategy", STRATEGIES, true);
            Integer defaultMaxExtra = defaults == null ? null : defaults.intIn("hedge-max-extra", 1, 10, true);
            Long defaultMaxEntries = defaults == null ? null : defaults.longAtLeast("cache-max-entries", 1, true);

            Map<String, AliasConfig> out = new LinkedHashMap<>();
            for (Map.Entry<String, Section> e : junction.entries("models").entrySet()) {
                String alias = e.getKey();
                Section a = e.getValue();
                a.checkKeys(ALIAS_KEYS);
                String strategy = a.has("strategy") ? a.oneOf("strategy", STRATEGIES, true) : defaultStrategy;
                List<DeploymentConfig> deployments = deployments(a, providers);
                AliasConfig.HedgeConfig hedge = null;
                Section hs = a.section("hedge", false);
                if (hs != null) {
                    hs.checkKeys(HEDGE_KEYS);
                    Duration after = null;
                    if (hs.has("after")) {
                        ConfigValue v = hs.value("after");
                        String text = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped() : null;
                        if (!"p95".equals(text)) {
                            try {
                                after = hs.c.getDuration("after");
                                if (after.isNegative() || after.isZero()) {
                                    hs.error("after", "must be p95 or a duration > 0, got " + describe(v, false));
                                    after = null;
                                }
                            } catch (com.typesafe.config.ConfigException ex) {
                                hs.error("after", "must be p95 or a duration such as 800ms, got " + describe(v, false));
                            }
                        }
                    }
                    Integer maxExtra = hs.has("max-extra") ? hs.intIn("max-extra", 1, 10, true) : defaultMaxExtra;
                    hedge = new AliasConfig.HedgeConfig(after, maxExtra == null ? 1 : maxExtra);
                    if (deployments.size() < 2) {
                        warnings.add("alias '" + alias + "' enables hedging but has a single deployment; "
                                + "a hedge needs another deployment to run on");
                    }
                }
                AliasConfig.CacheConfig cache = null;
                Section cs = a.section("cache", false);
                if (cs != null) {
                    cs.checkKeys(CACHE_KEYS);
                    Duration ttl = cs.duration("ttl", true);
                    Long maxEntries = cs.has("max-entries") ? cs.longAtLeast("max-entries", 1, true) : defaultMaxEntries;
                    Boolean allowTemperature = cs.bool("allow-temperature", false);
                    cache = new AliasConfig.CacheConfig(ttl, maxEntries == null ? 0 : maxEntries,
                            Boolean.TRUE.equals(allowTemperature));
                }
                if (!deployments.isEmpty() && deployments.stream()
                        .noneMatch(d -> providers.containsKey(d.provider()) && providers.get(d.provider()).enabled())) {
                    warnings.add("alias '" + alias + "' has no enabled deployment; requests for it fail until "
                            + "one of its providers is enabled");
                }
                out.put(alias, new AliasConfig(alias, strategy, deployments, hedge, cache));
            }
            return out;
        }

        private List<DeploymentConfig> deployments(Section alias, Map<String, ProviderConfig> providers) {
            List<Section> items = alias.objectList("deployments", true);
            if (items == null) {
                return List.of();
            }
            if (items.isEmpty()) {
                alias.error("deployments", "must list at least one deployment");
            }
            List<DeploymentConfig> out = new ArrayList<>();
            Map<String, String> seen = new HashMap<>();
            for (Section d : items) {
                d.checkKeys(DEPLOYMENT_KEYS);
                String provider = d.string("provider", true);
                String model = d.string("model", true);
                Integer weight = d.has("weight") ? d.intIn("weight", 1, 1_000_000, true) : Integer.valueOf(1);
                if (model != null && model.isBlank()) {
                    d.error("model", "must not be empty");
                }
                ProviderConfig p = provider == null ? null : providers.get(provider);
                if (provider != null && p == null) {
                    d.error("provider", "no provider named '" + provider + "'"
                            + suggestion(provider, providers.keySet()) + " (configured: "
                            + (providers.isEmpty() ? "none" : String.join(", ", providers.keySet())) + ")");
                }
                Timeouts t = p == null ? null : p.timeouts();
                Section ts = d.section("timeouts", false);
                if (ts != null) {
                    Timeouts own = timeouts(ts, false);
                    t = t == null ? own : t.overriddenBy(own);
                }
                if (provider == null || model == null) {
                    continue;
                }
                DeploymentConfig dc = new DeploymentConfig(provider, model, weight == null ? 1 : weight, t);
                String previous = seen.putIfAbsent(dc.id(), d.path);
                if (previous != null) {
                    d.error("", "duplicate deployment " + dc.id() + " (already " + previous + ")");
                }
                out.add(dc);
            }
            return out;
        }

        private AuthConfig auth(Section s, Map<String, AliasConfig> models) {
            if (s == null) {
                return null;
            }
            Boolean allowAnonymous = s.bool("allow-anonymous", true);
            List<Section> items = s.objectList("keys", true);
            List<KeyConfig> keys = new ArrayList<>();
            Map<String, String> names = new HashMap<>();
            Map<String, String> values = new HashMap<>();
            for (Section k : items == null ? List.<Section>of() : items) {
                k.checkKeys(GATEWAY_KEY_KEYS);
                String name = k.string("name", true);
                String key = k.secret("key");
                List<String> allowed = k.has("models") ? k.stringList("models", true) : List.of("*");
                Integer rpm = k.intIn("rpm", 1, Integer.MAX_VALUE, false);
                Long tpm = k.longAtLeast("tpm", 1, false);
                Double budget = k.positiveDouble("budget-usd-per-day");
                Boolean admin = k.bool("admin", false);
                if (name != null) {
                    String previous = names.putIfAbsent(name, k.path);
                    if (previous != null) {
                        k.error("name", "duplicate key name '" + name + "' (already " + previous + ")");
                    }
                }
                if (allowed != null) {
                    for (String m : allowed) {
                        if (!"*".equals(m) && !models.containsKey(m)) {
                            k.error("models", "no alias named '" + m + "'" + suggestion(m, models.keySet())
                                    + " (configured: " + (models.isEmpty() ? "none" : String.join(", ", models.keySet()))
                                    + ", or \"*\" for all)");
                        }
                    }
                }
                if (key == null) {
                    String label = name == null ? k.path : "'" + name + "'";
                    warnings.add("gateway key " + label + " has no value (set "
                            + envHint(k.pathElements("key"), "its environment variable") + "); it is ignored");
                    continue;
                }
                String previous = values.putIfAbsent(key, k.path);
                if (previous != null) {
                    k.error("key", "has the same value as " + previous + "; every gateway key must be unique");
                }
                if (name != null && allowed != null) {
                    keys.add(new KeyConfig(name, key, allowed, rpm, tpm, budget, Boolean.TRUE.equals(admin)));
                }
            }
            return new AuthConfig(Boolean.TRUE.equals(allowAnonymous), keys);
        }

        /** SPEC §1: a non-loopback bind with no gateway keys refuses to start unless explicitly allowed. */
        private void checkExposure(ServerConfig server, AuthConfig auth) {
            if (server == null || auth == null || server.host() == null || auth.enabled() || auth.allowAnonymous()) {
                return;
            }
            if (!isLoopback(server.host())) {
                error("junction.server.host", "binding \"" + server.host() + "\" (not a loopback address) with no "
                        + "gateway keys would let anyone who can reach it use your vendor accounts; add keys under "
                        + "junction.auth.keys (each with a non-empty key) or set junction.auth.allow-anonymous = true",
                        root.getValue("junction.server.host"));
            }
        }

        private Path catalog(Section junction) {
            String catalog = junction.string("catalog", false);
            if (catalog == null) {
                return null;
            }
            if (catalog.isBlank()) {
                junction.error("catalog", "must be a file path or null");
                return null;
            }
            Path p = baseDir.resolve(catalog).normalize();
            if (!Files.isRegularFile(p)) {
                junction.error("catalog", "file not found: " + p + " (relative paths are resolved against "
                        + baseDir + ")");
            }
            return p;
        }

        private ResilienceConfig resilience(Section s) {
            if (s == null) {
                return null;
            }
            Section rs = s.section("retry", true);
            RetryConfig retry = rs == null ? null : retry(rs, true);
            Section cb = s.section("circuit-breaker", true);
            CircuitBreakerConfig breaker = null;
            if (cb != null) {
                Double rate = cb.doubleIn("failure-rate", 0.0, 1.0);
                Integer min = cb.intIn("minimum-requests", 1, Integer.MAX_VALUE, true);
                Duration window = cb.duration("window", true);
                Duration openFor = cb.duration("open-for", true);
                Integer probes = cb.intIn("half-open-probes", 1, 1000, true);
                breaker = new CircuitBreakerConfig(rate == null ? 0 : rate, min == null ? 0 : min, window, openFor,
                        probes == null ? 0 : probes);
            }
            Section hedge = s.section("hedge", true);
            Integer budget = hedge == null ? null : hedge.intIn("budget-percent", 0, 100, true);
            return new ResilienceConfig(retry, breaker, budget == null ? 0 : budget);
        }

        private RetryConfig retry(Section s, boolean complete) {
            if (!complete) {
                s.checkKeys(RETRY_KEYS);
            }
            RetryConfig d = RetryConfig.DEFAULT;
            Integer attempts = s.has("max-attempts") || complete ? s.intIn("max-attempts", 1, 100, true) : null;
            Duration base = s.has("base") || complete ? s.duration("base", true) : null;
            Duration cap = s.has("cap") || complete ? s.duration("cap", true) : null;
            if (!complete) {
                // A provider override inherits what it does not set from junction.resilience.retry.
                RetryConfig global = globalRetry();
                if (global != null) {
                    d = global;
                }
            }
            RetryConfig r = new RetryConfig(attempts != null ? attempts : d.maxAttempts(), base != null ? base : d.base(),
                    cap != null ? cap : d.cap());
            if (r.base() != null && r.cap() != null && r.cap().compareTo(r.base()) < 0) {
                s.error("cap", "must be at least base (" + r.base() + "), got " + r.cap());
            }
            return r;
        }

        private RetryConfig globalRetry() {
            try {
                Config c = root.getConfig("junction.resilience.retry");
                return new RetryConfig(c.getInt("max-attempts"), c.getDuration("base"), c.getDuration("cap"));
            } catch (com.typesafe.config.ConfigException e) {
                return null; // reported where junction.resilience.retry itself is validated
            }
        }

        private Timeouts timeouts(Section owner, boolean complete) {
            Section s = complete ? owner.section("timeouts", true) : owner;
            if (s == null) {
                return null;
            }
            if (!complete) {
                s.checkKeys(TIMEOUT_KEYS);
            }
            return new Timeouts(s.duration("connect", complete), s.duration("first-byte", complete),
                    s.duration("idle-between-chunks", complete), s.duration("total", complete));
        }

        private TasksConfig tasks(Section s) {
            if (s == null) {
                return null;
            }
            String store = s.oneOf("store", Set.of("embedded", "redis"), true);
            String path = s.string("path", true);
            String redisUri = s.secret("redis-uri");
            if ("redis".equals(store) && redisUri == null) {
                s.error("redis-uri", "is required when junction.tasks.store = redis (e.g. \"redis://localhost:6379/0\")");
            }
            if (redisUri != null && !(redisUri.startsWith("redis://") || redisUri.startsWith("rediss://"))) {
                s.error("redis-uri", "must start with redis:// or rediss://");
            }
            if (path != null && path.isBlank()) {
                s.error("path", "must not be empty");
            }
            return new TasksConfig(store, path == null || path.isBlank() ? null : Path.of(path).toAbsolutePath().normalize(),
                    redisUri);
        }

        // ---- unknown keys ----------------------------------------------------------------------

        private void checkKnown(ConfigObject actual, ConfigObject ref, String path) {
            for (Map.Entry<String, ConfigValue> e : actual.entrySet()) {
                String key = e.getKey();
                String p = path + "." + ConfigUtil.joinPath(key);
                ConfigValue r = ref.get(key);
                if (r == null) {
                    error(p, "unknown setting" + suggestion(key, ref.keySet()), e.getValue());
                } else if (!USER_NAMED_SECTIONS.contains(key) || !"junction".equals(path)) {
                    // instanceof, not valueType(): reference values holding ${?VAR} are unresolved here.
                    if (r instanceof ConfigObject refObject && e.getValue() instanceof ConfigObject actualObject) {
                        checkKnown(actualObject, refObject, p);
                    }
                }
            }
        }

        // ---- helpers ---------------------------------------------------------------------------

        private void error(String path, String message, ConfigValue at) {
            errors.add(path + ": " + message + where(at));
        }

        /** The environment variable(s) the user's file names for a setting, else the conventional one. */
        private String envHint(List<String> path, String fallback) {
            try {
                ConfigValue v = userUnresolved.root();
                for (String element : path) {
                    if (v instanceof ConfigObject o) {
                        v = o.get(element);
                    } else if (v instanceof ConfigList l && element.matches("\\d+")) {
                        int i = Integer.parseInt(element);
                        v = i < l.size() ? l.get(i) : null;
                    } else {
                        v = null;
                    }
                    if (v == null) {
                        return fallback;
                    }
                }
                // Only variable names are extracted from the rendering; a literal key is never shown.
                Matcher m = ENV_REF.matcher(v.render(ConfigRenderOptions.concise()));
                Set<String> names = new LinkedHashSet<>();
                while (m.find()) {
                    names.add(m.group(1));
                }
                return names.isEmpty() ? fallback : String.join(" or ", names);
            } catch (RuntimeException e) {
                // Unresolved trees can refuse navigation (e.g. a value defined twice); the hint is optional.
                return fallback;
            }
        }

        /** A reader over one object of the resolved tree that reports problems with full paths. */
        private final class Section {
            final Config c;
            final String path;

            Section(Config c, String path) {
                this.c = c;
                this.path = path;
            }

            String path(String key) {
                if (key.isEmpty()) {
                    return path;
                }
                return path.isEmpty() ? ConfigUtil.joinPath(key) : path + "." + ConfigUtil.joinPath(key);
            }

            List<String> pathElements(String key) {
                List<String> out = new ArrayList<>();
                for (String part : path.split("\\.")) {
                    Matcher m = Pattern.compile("(.*)\\[(\\d+)]").matcher(part);
                    if (m.matches()) {
                        out.add(m.group(1));
                        out.add(m.group(2));
                    } else {
                        out.add(part);
                    }
                }
                out.add(key);
                return out;
            }

            void error(String key, String message) {
                ConfigValue at = key.isEmpty() ? c.root() : c.root().get(key);
                Validator.this.error(path(key), message, at);
            }

            private String q(String key) {
                return ConfigUtil.joinPath(key);
            }

            boolean has(String key) {
                return c.hasPath(q(key));
            }

            ConfigValue value(String key) {
                return c.getValue(q(key));
            }

            Map<String, ConfigValue> values() {
                return c.root();
            }

            /** Fails with the expected shape when the value has the wrong type. */
            private <T> T read(String key, boolean required, String expected, Function<String, T> getter,
                               boolean secret) {
                String k = q(key);
                if (!c.hasPath(k)) {
                    if (required) {
                        Validator.this.error(path(key), "is required (" + expected + ")", null);
                    }
                    return null;
                }
                try {
                    return getter.apply(k);
                } catch (com.typesafe.config.ConfigException e) {
                    ConfigValue v = c.getValue(k);
                    Validator.this.error(path(key), "must be " + expected + ", got " + describe(v, secret), v);
                    return null;
                }
            }

            Section section(String key, boolean required) {
                Config sub = read(key, required, "an object { ... }", c::getConfig, false);
                return sub == null ? null : new Section(sub, path(key));
            }

            /** The user-named entries of an object section, in file order, each required to be an object. */
            Map<String, Section> entries(String key) {
                Map<String, Section> out = new LinkedHashMap<>();
                ConfigObject o = read(key, false, "an object { name { ... } }", c::getObject, false);
                if (o == null) {
                    return out;
                }
                List<Map.Entry<String, ConfigValue>> sorted = new ArrayList<>(o.entrySet());
                sorted.sort(Comparator.<Map.Entry<String, ConfigValue>>comparingInt(e -> line(e.getValue()))
                        .thenComparing(Map.Entry::getKey));
                String base = path(key);
                for (Map.Entry<String, ConfigValue> e : sorted) {
                    String p = base + "." + ConfigUtil.joinPath(e.getKey());
                    if (e.getValue() instanceof ConfigObject entry) {
                        out.put(e.getKey(), new Section(entry.toConfig(), p));
                    } else {
                        Validator.this.error(p, "must be an object { ... }, got " + describe(e.getValue(), false),
                                e.getValue());
                    }
                }
                return out;
            }

            List<Section> objectList(String key, boolean required) {
                List<? extends ConfigObject> list = read(key, required, "a list of objects [ { ... } ]",
                        c::getObjectList, false);
                if (list == null) {
                    return null;
                }
                List<Section> out = new ArrayList<>();
                for (int i = 0; i < list.size(); i++) {
                    out.add(new Section(list.get(i).toConfig(), path(key) + "[" + i + "]"));
                }
                return out;
            }

            void checkKeys(List<String> known) {
                for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
                    if (!known.contains(e.getKey())) {
                        Validator.this.error(path(e.getKey()), "unknown setting" + suggestion(e.getKey(), known)
                                + " (known: " + String.join(", ", known) + ")", e.getValue());
                    }
                }
            }

            String string(String key, boolean required) {
                ConfigValue v = c.hasPath(q(key)) ? c.getValue(q(key)) : null;
                if (v != null && v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER
                        && v.valueType() != ConfigValueType.BOOLEAN) {
                    Validator.this.error(path(key), "must be a string, got " + describe(v, false), v);
                    return null;
                }
                return read(key, required, "a string", c::getString, false);
            }

            /** A secret (key, password URI): wrong types are described without the value; empty means unset. */
            String secret(String key) {
                ConfigValue v = c.hasPath(q(key)) ? c.getValue(q(key)) : null;
                if (v == null) {
                    return null;
                }
                if (v.valueType() != ConfigValueType.STRING) {
                    Validator.this.error(path(key), "must be a string, got " + describe(v, true), v);
                    return null;
                }
                String s = (String) v.unwrapped();
                if (s.isEmpty()) {
                    return null;
                }
                if (!s.equals(s.strip()) || s.chars().anyMatch(ch -> ch == '\r' || ch == '\n')) {
                    Validator.this.error(path(key), "has leading/trailing whitespace or a line break "
                            + "(check the environment variable it comes from)", v);
                    return null;
                }
                return s;
            }

            String oneOf(String key, Set<String> allowed, boolean required) {
                String expected = "one of " + String.join(" | ", allowed.stream().sorted().toList());
                String v = read(key, required, expected, c::getString, false);
                if (v != null && !allowed.contains(v)) {
                    error(key, "must be " + expected + ", got \"" + v + "\"" + suggestion(v, allowed));
                    return null;
                }
                return v;
            }

            String url(String key, boolean required) {
                String v = string(key, required);
                if (v == null) {
                    return null;
                }
                try {
                    URI u = new URI(v);
                    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
                    if (!(scheme.equals("http") || scheme.equals("https")) || u.getHost() == null) {
                        error(key, "must be an http(s) URL, got \"" + v + "\"");
                        return null;
                    }
                    if (u.getRawQuery() != null || u.getRawFragment() != null) {
                        error(key, "must not have a query or fragment, got \"" + v + "\"");
                        return null;
                    }
                    return v.endsWith("/") ? v.substring(0, v.length() - 1) : v;
                } catch (URISyntaxException e) {
                    error(key, "must be an http(s) URL, got \"" + v + "\"");
                    return null;
                }
            }

            Boolean bool(String key, boolean required) {
                return read(key, required, "true or false", c::getBoolean, false);
            }

            Integer intIn(String key, int min, int max, boolean required) {
                String expected = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max;
                Integer v = read(key, required, expected, c::getInt, false);
                if (v != null && (v < min || v > max)) {
                    error(key, "must be " + expected + ", got " + v);
                    return null;
                }
                return v;
            }

            Long longAtLeast(String key, long min, boolean required) {
                Long v = read(key, required, "an integer >= " + min, c::getLong, false);
                if (v != null && v < min) {
                    error(key, "must be an integer >= " + min + ", got " + v);
                    return null;
                }
                return v;
            }

            Double positiveDouble(String key) {
                Double v = read(key, false, "a number > 0", c::getDouble, false);
                if (v != null && !(v > 0)) {
                    error(key, "must be a number > 0, got " + v);
                    return null;
                }
                return v;
            }

            Double doubleIn(String key, double minExclusive, double maxInclusive) {
                String expected = "a number > " + minExclusive + " and <= " + maxInclusive;
                Double v = read(key, true, expected, c::getDouble, false);
                if (v != null && !(v > minExclusive && v <= maxInclusive)) {
                    error(key, "must be " + expected + ", got " + v);
                    return null;
                }
                return v;
            }

            Long bytes(String key, boolean required) {
                Long v = read(key, required, "a size such as 32m or 65536", c::getBytes, false);
                if (v != null && v <= 0) {
                    error(key, "must be a size > 0, got " + v);
                    return null;
                }
                return v;
            }

            Duration duration(String key, boolean required) {
                Duration v = read(key, required, "a duration such as 800ms, 2s or 10m", c::getDuration, false);
                if (v != null && (v.isNegative() || v.isZero())) {
                    error(key, "must be a duration > 0, got " + describe(c.getValue(q(key)), false));
                    return null;
                }
                return v;
            }

            List<String> stringList(String key, boolean required) {
                return read(key, required, "a list of strings [\"...\"]", c::getStringList, false);
            }
        }

        private static boolean bool(Boolean b) {
            return Boolean.TRUE.equals(b);
        }
    }

    // ---- static helpers ------------------------------------------------------------------------

    /** Loopback without DNS: "localhost" or a literal loopback address; any hostname counts as exposed. */
    static boolean isLoopback(String host) {
        String h = host.strip();
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        if (h.equalsIgnoreCase("localhost")) {
            return true;
        }
        if (IPV4.matcher(h).matches() || h.contains(":")) {
            try {
                return InetAddress.getByName(h).isLoopbackAddress();
            } catch (UnknownHostException e) {
                return false;
            }
        }
        return false;
    }

    private static int line(ConfigValue v) {
        ConfigOrigin o = v.origin();
        return o == null || o.lineNumber() < 0 ? Integer.MAX_VALUE : o.lineNumber();
    }

    /** " (junction.conf:12)" for a value from a file, " (system property)" for -D overrides. */
    private static String where(ConfigValue v) {
        if (v == null || v.origin() == null) {
            return "";
        }
        ConfigOrigin o = v.origin();
        if (o.filename() != null && o.lineNumber() > 0) {
            return " (" + Path.of(o.filename()).getFileName() + ":" + o.lineNumber() + ")";
        }
        if (o.description() != null && o.description().contains("system properties")) {
            return " (system property)";
        }
        return "";
    }

    /** A value as shown in an error; a secret's value is never shown, only its kind. */
    private static String describe(ConfigValue v, boolean secret) {
        if (v == null) {
            return "nothing";
        }
        return switch (v.valueType()) {
            case OBJECT -> "an object";
            case LIST -> "a list";
            case NULL -> "null";
            default -> secret ? "a " + v.valueType().name().toLowerCase(Locale.ROOT) : v.render(ConfigRenderOptions.concise());
        };
    }

    /** " (did you mean 'port'?)" when a close name exists. */
    static String suggestion(String given, java.util.Collection<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(given.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            if (d < bestDistance) {
                bestDistance = d;
                best = k;
            }
        }
        return best != null && bestDistance <= Math.max(1, given.length() / 3) ? " (did you mean '" + best + "'?)" : "";
    }

    /** Optimal string alignment distance: edits plus adjacent transpositions ("prot" is one from "port"). */
    private static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
