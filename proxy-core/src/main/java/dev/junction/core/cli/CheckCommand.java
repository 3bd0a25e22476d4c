package dev.junction.core.cli;

import dev.junction.core.config.AliasConfig;
import dev.junction.core.config.ConfigException;
import dev.junction.core.config.ConfigLoader;
import dev.junction.core.config.DeploymentConfig;
import dev.junction.core.config.GatewayConfig;
import dev.junction.core.config.KeyConfig;
import dev.junction.core.config.ProviderConfig;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;

/**
 * {@code ./junction check --config FILE} (SPEC §1): validates the config and prints the resolved
 * routing table, or every error. Key values are never printed, only whether one is set.
 */
public final class CheckCommand {

    /** Exit status for a valid config. */
    public static final int OK = 0;
    /** Exit status for an invalid (or unreadable) config. */
    public static final int INVALID = 2;

    private CheckCommand() {
    }

    /** Validates {@code configFile} as the gateway would load it (system properties and environment included). */
    public static int run(Path configFile, PrintStream out, PrintStream err) {
        return run(configFile, ConfigLoader::load, out, err);
    }

    /** Same, with the loader injected (tests supply their own environment). */
    public static int run(Path configFile, Function<Path, GatewayConfig> loader, PrintStream out, PrintStream err) {
        GatewayConfig config;
        try {
            config = loader.apply(configFile);
        } catch (ConfigException e) {
            err.println(e.getMessage());
            return INVALID;
        }
        print(config, out);
        return OK;
    }

    /** The human-readable routing table. */
    public static void print(GatewayConfig c, PrintStream out) {
        out.println("config: " + (c.source() == null ? "(built in)" : c.source()));
        String auth;
        if (c.auth().enabled()) {
            long admins = c.auth().keys().stream().filter(KeyConfig::admin).count();
            auth = c.auth().keys().size() + " gateway key(s)" + (admins > 0 ? ", " + admins + " admin" : "");
        } else {
            auth = c.auth().allowAnonymous() ? "anonymous (allow-anonymous = true)" : "off (no gateway keys; loopback only)";
        }
        out.println("listen: " + c.server().host() + ":" + c.server().port() + "  auth: " + auth);
        for (KeyConfig k : c.auth().keys()) {
            out.println("  key " + k.name() + "  models=" + String.join(",", k.models())
                    + (k.rpm() != null ? "  rpm=" + k.rpm() : "") + (k.tpm() != null ? "  tpm=" + k.tpm() : "")
                    + (k.budgetUsdPerDay() != null ? "  budget-usd-per-day=" + k.budgetUsdPerDay() : "")
                    + (k.admin() ? "  admin" : ""));
        }

        out.println();
        out.println("providers:");
        int nameWidth = Math.max(4, c.providers().keySet().stream().mapToInt(String::length).max().orElse(4));
        int urlWidth = c.providers().values().stream().mapToInt(p -> p.baseUrl() == null ? 1 : p.baseUrl().length())
                .max().orElse(1);
        for (ProviderConfig p : c.providers().values()) {
            String key = p.hasApiKey() ? "key: set" : ("openai-compatible".equals(p.type()) ? "key: none" : "key: missing");
            String state = p.enabled() ? "enabled" : "DISABLED (" + p.disabledReason() + ")";
            out.println("  " + pad(p.name(), nameWidth) + "  " + pad(p.type(), 17) + "  " + pad(p.baseUrl(), urlWidth) + "  " + key
                    + "  " + state
                    + (p.options().containsKey("api-version") ? "  api-version=" + p.options().get("api-version") : ""));
        }
        if (c.providers().isEmpty()) {
            out.println("  (none)");
        }

        out.println();
        out.println("aliases:");
        for (AliasConfig a : c.models().values()) {
            StringBuilder line = new StringBuilder("  ").append(a.name()).append("  strategy=").append(a.strategy());
            if (a.hedge() != null) {
                line.append("  hedge: after ").append(a.hedge().afterFixed() == null ? "p95" : format(a.hedge().afterFixed()))
                        .append(", max-extra ").append(a.hedge().maxExtra());
            }
            if (a.cache() != null) {
                line.append("  cache: ttl ").append(format(a.cache().ttl())).append(", max-entries ")
                        .append(a.cache().maxEntries()).append(", max-bytes ").append(a.cache().maxBytes())
                        .append(a.cache().allowTemperature() ? ", allow-temperature" : "")
                        .append(a.cache().shared() ? ", shared" : "").append(" (store ").append(c.cache().store()).append(')');
            }
            out.println(line);
            for (DeploymentConfig d : a.deployments()) {
                ProviderConfig p = c.providers().get(d.provider());
                out.println("    - " + d.id() + "  weight=" + d.weight()
                        + (p != null && !p.enabled() ? "  (provider disabled)" : ""));
            }
        }
        if (c.models().isEmpty()) {
            out.println("  (none)");
        }

        out.println();
        out.println("catalog: " + (c.catalogPath() == null ? "built-in only" : c.catalogPath()));
        if (!c.warnings().isEmpty()) {
            out.println();
            out.println("warnings:");
            c.warnings().forEach(w -> out.println("  - " + w));
        }
        long enabled = c.providers().values().stream().filter(ProviderConfig::enabled).count();
        out.println();
        out.println("OK: " + c.providers().size() + " provider(s), " + enabled + " enabled; " + c.models().size()
                + " alias(es)");
    }

    private static String pad(String s, int width) {
        String v = s == null ? "?" : s;
        return v.length() >= width ? v : v + " ".repeat(width - v.length());
    }

    private static String format(Duration d) {
        if (d.toMillis() % 60_000 == 0) {
            return d.toMinutes() + "m";
        }
        if (d.toMillis() % 1000 == 0) {
            return d.toSeconds() + "s";
        }
        return d.toMillis() + "ms";
    }
}
