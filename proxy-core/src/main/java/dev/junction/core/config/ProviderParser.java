package dev.junction.core.config;

import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.junction.translators.passthrough.CompatDialects;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.junction.core.config.ConfigText.describe;

/**
 * Reads {@code junction.providers} with {@code junction.provider-defaults} (SPEC §2): type, URL, key,
 * vendor options, extra headers and per-provider limits. A provider without a key stays configured
 * but disabled, with a warning, rather than failing the load.
 */
final class ProviderParser {

    /** The environment variable a provider type's key conventionally comes from, for hints. */
    private static final Map<String, String> KEY_ENV_BY_TYPE = Map.of(
            "openai", "OPENAI_API_KEY", "anthropic", "ANTHROPIC_API_KEY", "gemini", "GEMINI_API_KEY",
            "azure-openai", "AZURE_OPENAI_API_KEY");

    private static final List<String> PROVIDER_KEYS = List.of("type", "base-url", "api-key", "enabled",
            "api-version", "headers", "options", "retry", "timeouts", "max-connections", "rpm", "tpm",
            "max-concurrent-tasks");
    /** Vendor options a translator reads (documented in reference.conf), with their allowed values. */
    private static final Map<String, Set<String>> VENDOR_OPTIONS = Map.of(
            "stream-usage", Set.of("true", "false"),
            "unsupported", Set.of("reject", "drop"),
            "json-schema", Set.of("native", "tool"),
            "reasoning", Set.of("budget", "effort"),
            "thinking", Set.of("budget", "level"),
            CompatDialects.OPTION, CompatDialects.names());
    /** Headers Junction computes itself; letting config set them would corrupt the framing. */
    private static final Set<String> FORBIDDEN_HEADERS =
            Set.of("host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "keep-alive");
    private static final Pattern HEADER_TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");

    private final ConfigProblems problems;
    private final EnvHints hints;
    private final ResilienceParser resilience;

    ProviderParser(ConfigProblems problems, EnvHints hints, ResilienceParser resilience) {
        this.problems = problems;
        this.hints = hints;
        this.resilience = resilience;
    }

    Map<String, ProviderConfig> providers(ConfigSection junction) {
        ConfigSection defaults = junction.section("provider-defaults", true);
        Timeouts defaultTimeouts = defaults == null ? null : resilience.timeouts(defaults, true);
        Integer defaultMaxConnections = defaults == null ? null : defaults.intIn("max-connections", 1, 100_000, true);
        Integer defaultRpm = defaults == null ? null : defaults.intIn("rpm", 1, Integer.MAX_VALUE, false);
        Long defaultTpm = defaults == null ? null : defaults.longAtLeast("tpm", 1, false);

        Map<String, ProviderConfig> out = new LinkedHashMap<>();
        for (Map.Entry<String, ConfigSection> e : junction.entries("providers").entrySet()) {
            String name = e.getKey();
            ConfigSection p = e.getValue();
            p.checkKeys(PROVIDER_KEYS);
            String type = p.oneOf("type", ConfigLoader.PROVIDER_TYPES, true);
            String baseUrl = p.url("base-url", true);
            String apiKey = p.secret("api-key");
            Boolean enabledSetting = p.bool("enabled", false);
            Map<String, String> options = new LinkedHashMap<>();
            String apiVersion = p.string("api-version", false);
            if (apiVersion != null) {
                options.put("api-version", apiVersion);
            }
            vendorOptions(p, type, options);
            Map<String, String> headers = headers(p);
            Timeouts t = defaultTimeouts;
            ConfigSection ts = p.section("timeouts", false);
            if (ts != null && t != null) {
                t = t.overriddenBy(resilience.timeouts(ts, false));
            }
            Integer maxConnections = p.has("max-connections")
                    ? p.intIn("max-connections", 1, 100_000, true) : defaultMaxConnections;
            Integer rpm = p.has("rpm") ? p.intIn("rpm", 1, Integer.MAX_VALUE, true) : defaultRpm;
            Long tpm = p.has("tpm") ? p.longAtLeast("tpm", 1, true) : defaultTpm;
            ConfigSection rs = p.section("retry", false);
            RetryConfig retry = rs == null ? null : resilience.retry(rs, false);

            boolean enabled = true;
            String reason = null;
            if (Boolean.FALSE.equals(enabledSetting)) {
                enabled = false;
                reason = "enabled = false";
            } else if (apiKey == null && type != null && !"openai-compatible".equals(type)) {
                enabled = false;
                String hint = hints.envHint(List.of("junction", "providers", name, "api-key"), KEY_ENV_BY_TYPE.get(type));
                reason = "no api-key (set " + hint + ")";
                problems.warn("provider '" + name + "' has no api-key (set " + hint + "); it is left out of routing");
            }
            out.put(name, new ProviderConfig(name, type, baseUrl, apiKey, enabled, reason, headers, options,
                    t, maxConnections == null ? 0 : maxConnections, rpm, tpm, retry));
        }
        return out;
    }

    private void vendorOptions(ConfigSection p, String type, Map<String, String> options) {
        ConfigSection os = p.section("options", false);
        if (os == null) {
            return;
        }
        for (Map.Entry<String, ConfigValue> o : os.values().entrySet()) {
            String name = o.getKey();
            Set<String> allowed = VENDOR_OPTIONS.get(name);
            String v = o.getValue().valueType() == ConfigValueType.OBJECT || o.getValue().valueType() == ConfigValueType.LIST
                    ? null : String.valueOf(o.getValue().unwrapped());
            if (allowed == null) {
                problems.error(os.path(name), "unknown vendor option; known: "
                        + new java.util.TreeSet<>(VENDOR_OPTIONS.keySet()), o.getValue());
            } else if (v == null || !allowed.contains(v)) {
                problems.error(os.path(name), "must be one of " + new java.util.TreeSet<>(allowed), o.getValue());
            } else if (CompatDialects.OPTION.equals(name) && type != null && !"openai-compatible".equals(type)) {
                // OpenAI and Azure are the reference format; a dialect there would be a misconfiguration.
                problems.error(os.path(name), "applies to type = openai-compatible only (this provider is "
                        + type + ")", o.getValue());
            } else {
                options.put(name, v);
            }
        }
    }

    private Map<String, String> headers(ConfigSection p) {
        Map<String, String> headers = new LinkedHashMap<>();
        ConfigSection hs = p.section("headers", false);
        if (hs == null) {
            return headers;
        }
        for (Map.Entry<String, ConfigValue> h : hs.values().entrySet()) {
            String name = h.getKey();
            String path = hs.path(name);
            if (!HEADER_TOKEN.matcher(name).matches()) {
                problems.error(path, "is not a valid HTTP header name", h.getValue());
            } else if (FORBIDDEN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                problems.error(path, "is set by Junction itself and cannot be configured", h.getValue());
            }
            if (h.getValue().valueType() == ConfigValueType.OBJECT
                    || h.getValue().valueType() == ConfigValueType.LIST) {
                problems.error(path, "must be a string, got " + describe(h.getValue(), true), h.getValue());
                continue;
            }
            if (h.getValue().valueType() == ConfigValueType.NULL) {
                continue;
            }
            String v = String.valueOf(h.getValue().unwrapped());
            if (v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                // Header values may carry credentials: describe the problem, never echo the value.
                problems.error(path, "must not contain a line break", h.getValue());
                continue;
            }
            headers.put(name, v);
        }
        return headers;
    }
}
