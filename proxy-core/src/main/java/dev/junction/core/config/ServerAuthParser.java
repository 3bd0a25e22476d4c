package dev.junction.core.config;

import com.typesafe.config.Config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.junction.core.config.ConfigText.suggestion;

/**
 * Reads {@code junction.server} (listener and request limits) and {@code junction.auth} (gateway
 * keys), and refuses an exposed listener without keys (SPEC §1).
 */
final class ServerAuthParser {

    private static final List<String> GATEWAY_KEY_KEYS =
            List.of("name", "key", "models", "rpm", "tpm", "budget-usd-per-day", "admin", "max-concurrent",
                    "budget-usd-per-month", "webhook-secret", "webhook-url");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private final Config root;
    private final ConfigProblems problems;
    private final EnvHints hints;

    ServerAuthParser(Config root, ConfigProblems problems, EnvHints hints) {
        this.root = root;
        this.problems = problems;
        this.hints = hints;
    }

    ServerConfig server(ConfigSection s) {
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
        String publicUrl = s.string("public-url", false);
        if (publicUrl != null && !(publicUrl.startsWith("http://") || publicUrl.startsWith("https://"))) {
            s.error("public-url", "must be an http:// or https:// URL, e.g. \"https://ai.example.com\"");
        }
        while (publicUrl != null && publicUrl.endsWith("/")) {
            publicUrl = publicUrl.substring(0, publicUrl.length() - 1);
        }
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
                io == null ? 0 : io, publicUrl);
    }

    AuthConfig auth(ConfigSection s, Map<String, AliasConfig> models) {
        if (s == null) {
            return null;
        }
        Boolean allowAnonymous = s.bool("allow-anonymous", true);
        List<ConfigSection> items = s.objectList("keys", true);
        List<KeyConfig> keys = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        Map<String, String> values = new HashMap<>();
        for (ConfigSection k : items == null ? List.<ConfigSection>of() : items) {
            k.checkKeys(GATEWAY_KEY_KEYS);
            String name = k.string("name", true);
            String key = k.secret("key");
            List<String> allowed = k.has("models") ? k.stringList("models", true) : List.of("*");
            Integer rpm = k.intIn("rpm", 1, Integer.MAX_VALUE, false);
            Long tpm = k.longAtLeast("tpm", 1, false);
            Double budget = k.positiveDouble("budget-usd-per-day");
            Double budgetMonth = k.positiveDouble("budget-usd-per-month");
            Integer maxConcurrent = k.intIn("max-concurrent", 1, Integer.MAX_VALUE, false);
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
                problems.warn("gateway key " + label + " has no value (set "
                        + hints.envHint(k.pathElements("key"), "its environment variable") + "); it is ignored");
                continue;
            }
            String previous = values.putIfAbsent(key, k.path);
            if (previous != null) {
                k.error("key", "has the same value as " + previous + "; every gateway key must be unique");
            }
            if (name != null && allowed != null) {
                keys.add(new KeyConfig(name, key, allowed, rpm, tpm, budget, Boolean.TRUE.equals(admin), maxConcurrent,
                        budgetMonth));
            }
        }
        return new AuthConfig(Boolean.TRUE.equals(allowAnonymous), keys);
    }

    /** SPEC §1: a non-loopback bind with no gateway keys refuses to start unless explicitly allowed. */
    void checkExposure(ServerConfig server, AuthConfig auth) {
        if (server == null || auth == null || server.host() == null || auth.enabled() || auth.allowAnonymous()) {
            return;
        }
        if (!isLoopback(server.host())) {
            problems.error("junction.server.host", "binding \"" + server.host() + "\" (not a loopback address) with no "
                    + "gateway keys would let anyone who can reach it use your vendor accounts; add keys under "
                    + "junction.auth.keys (each with a non-empty key) or set junction.auth.allow-anonymous = true",
                    root.getValue("junction.server.host"));
        }
    }

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
}
