package dev.junction.core.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.junction.core.config.ConfigText.describe;
import static dev.junction.core.config.ConfigText.suggestion;

/**
 * A reader over one object of the resolved tree that reports problems with full paths. Each typed
 * getter returns null when the value is absent or wrong (after recording the error), so a parser
 * reads on and the user sees every problem at once.
 */
final class ConfigSection {
    final Config c;
    final String path;
    private final ConfigProblems problems;

    ConfigSection(Config c, String path, ConfigProblems problems) {
        this.c = c;
        this.path = path;
        this.problems = problems;
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
        problems.error(path(key), message, at);
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
                problems.error(path(key), "is required (" + expected + ")", null);
            }
            return null;
        }
        try {
            return getter.apply(k);
        } catch (com.typesafe.config.ConfigException e) {
            ConfigValue v = c.getValue(k);
            problems.error(path(key), "must be " + expected + ", got " + describe(v, secret), v);
            return null;
        }
    }

    ConfigSection section(String key, boolean required) {
        Config sub = read(key, required, "an object { ... }", c::getConfig, false);
        return sub == null ? null : new ConfigSection(sub, path(key), problems);
    }

    /** Like {@link #entries} but silent about entries that are not objects (another parser reports them). */
    Map<String, ConfigSection> objectEntries(String key) {
        Map<String, ConfigSection> out = new LinkedHashMap<>();
        if (!c.hasPath(q(key)) || c.getValue(q(key)).valueType() != ConfigValueType.OBJECT) {
            return out;
        }
        for (Map.Entry<String, ConfigValue> e : c.getObject(q(key)).entrySet()) {
            if (e.getValue() instanceof ConfigObject entry) {
                out.put(e.getKey(), new ConfigSection(entry.toConfig(), path(key) + "." + ConfigUtil.joinPath(e.getKey()),
                        problems));
            }
        }
        return out;
    }

    /** The objects of a list, silent about anything else (another parser reports it). */
    List<ConfigSection> objectItems(String dottedPath) {
        List<ConfigSection> out = new ArrayList<>();
        try {
            if (!c.hasPath(dottedPath) || c.getValue(dottedPath).valueType() != ConfigValueType.LIST) {
                return out;
            }
        } catch (com.typesafe.config.ConfigException e) {
            return out;                                     // a parent is not an object: reported elsewhere
        }
        com.typesafe.config.ConfigList list = c.getList(dottedPath);
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) instanceof ConfigObject o) {
                out.add(new ConfigSection(o.toConfig(), path + (path.isEmpty() ? "" : ".") + dottedPath + "[" + i + "]",
                        problems));
            }
        }
        return out;
    }

    /** The user-named entries of an object section, in file order, each required to be an object. */
    Map<String, ConfigSection> entries(String key) {
        Map<String, ConfigSection> out = new LinkedHashMap<>();
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
                out.put(e.getKey(), new ConfigSection(entry.toConfig(), p, problems));
            } else {
                problems.error(p, "must be an object { ... }, got " + describe(e.getValue(), false), e.getValue());
            }
        }
        return out;
    }

    List<ConfigSection> objectList(String key, boolean required) {
        List<? extends ConfigObject> list = read(key, required, "a list of objects [ { ... } ]",
                c::getObjectList, false);
        if (list == null) {
            return null;
        }
        List<ConfigSection> out = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            out.add(new ConfigSection(list.get(i).toConfig(), path(key) + "[" + i + "]", problems));
        }
        return out;
    }

    void checkKeys(List<String> known) {
        for (Map.Entry<String, ConfigValue> e : c.root().entrySet()) {
            if (!known.contains(e.getKey())) {
                problems.error(path(e.getKey()), "unknown setting" + suggestion(e.getKey(), known)
                        + " (known: " + String.join(", ", known) + ")", e.getValue());
            }
        }
    }

    String string(String key, boolean required) {
        ConfigValue v = c.hasPath(q(key)) ? c.getValue(q(key)) : null;
        if (v != null && v.valueType() != ConfigValueType.STRING && v.valueType() != ConfigValueType.NUMBER
                && v.valueType() != ConfigValueType.BOOLEAN) {
            problems.error(path(key), "must be a string, got " + describe(v, false), v);
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
            problems.error(path(key), "must be a string, got " + describe(v, true), v);
            return null;
        }
        String s = (String) v.unwrapped();
        if (s.isEmpty()) {
            return null;
        }
        if (!s.equals(s.strip()) || s.chars().anyMatch(ch -> ch == '\r' || ch == '\n')) {
            problems.error(path(key), "has leading/trailing whitespace or a line break "
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

    /** A number in {@code [min, max]} (both inclusive). */
    Double doubleFrom(String key, double min, double max, boolean required) {
        String expected = "a number from " + min + " to " + max;
        Double v = read(key, required, expected, c::getDouble, false);
        if (v != null && !(v >= min && v <= max)) {
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

    private static int line(ConfigValue v) {
        ConfigOrigin o = v.origin();
        return o == null || o.lineNumber() < 0 ? Integer.MAX_VALUE : o.lineNumber();
    }
}
