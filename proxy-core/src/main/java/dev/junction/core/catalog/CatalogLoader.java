package dev.junction.core.catalog;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads the catalog Junction ships ({@code junction-catalog.conf} on the classpath) and lays the
 * user's catalog file over it (SPEC §2).
 *
 * <p>Merging is entry by entry and, inside an entry, setting by setting: a user entry
 * {@code "gpt-4o" { price.input = 2.0 }} changes only that price and keeps the shipped context
 * window, capabilities and other prices; a list ({@code capabilities}) is replaced as a whole.
 * A {@code "<provider>/<model>"} entry inherits every setting it does not give from the merged
 * {@code "<model>"} entry, so a provider override can be a single line.
 *
 * <p>Every setting of an entry is optional: a missing {@code context-window} or {@code max-output}
 * is "unknown" (not checked when routing), a missing {@code capabilities} list means "assume
 * anything", a missing price is 0. Unknown settings are errors, because the usual cause is an
 * unquoted model name containing a dot ({@code gpt-4.1 { ... }} is the path {@code gpt."4"."1"} in
 * HOCON).
 */
public final class CatalogLoader {

    /** Classpath resource of the shipped catalog. */
    public static final String SHIPPED_RESOURCE = "junction-catalog.conf";

    private static final Set<String> ENTRY_KEYS = Set.of("context-window", "max-output", "capabilities", "price");
    private static final Set<String> PRICE_KEYS =
            Set.of("input", "output", "cached-input", "cache-write", "per-image", "per-second");

    private CatalogLoader() {
    }

    /** The shipped catalog alone. */
    public static Catalog loadShipped() {
        return build(shippedConfig(), SHIPPED_RESOURCE);
    }

    /**
     * The shipped catalog with the user's file over it.
     *
     * @param userFile the user's catalog file, or null for none
     * @throws CatalogException when the file is missing, unparsable or holds an invalid entry
     */
    public static Catalog load(Path userFile) {
        if (userFile == null) {
            return loadShipped();
        }
        if (!Files.isRegularFile(userFile)) {
            throw new CatalogException(null, "catalog file " + userFile + " does not exist or is not a file;"
                    + " fix junction.catalog or create the file (it may be empty)");
        }
        Config user;
        try {
            user = ConfigFactory.parseFile(userFile.toFile(),
                    ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF).setAllowMissing(false)).resolve();
        } catch (ConfigException e) {
            throw new CatalogException(null, "cannot read catalog file " + userFile + ": " + e.getMessage(), e);
        }
        return build(user.withFallback(shippedConfig()), userFile.toString());
    }

    /** Parses catalog text over the shipped catalog (tests, {@code junction check}). */
    public static Catalog parse(String hocon, String description) {
        Config user;
        try {
            user = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setOriginDescription(description))
                    .resolve();
        } catch (ConfigException e) {
            throw new CatalogException(null, "cannot read catalog " + description + ": " + e.getMessage(), e);
        }
        return build(user.withFallback(shippedConfig()), description);
    }

    private static Config shippedConfig() {
        InputStream in = CatalogLoader.class.getClassLoader().getResourceAsStream(SHIPPED_RESOURCE);
        if (in == null) {
            throw new IllegalStateException(SHIPPED_RESOURCE + " is missing from the classpath");
        }
        try (Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return ConfigFactory.parseReader(r, ConfigParseOptions.defaults()
                    .setOriginDescription(SHIPPED_RESOURCE).setSyntax(ConfigSyntax.CONF)).resolve();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read " + SHIPPED_RESOURCE, e);
        }
    }

    private static Catalog build(Config merged, String source) {
        ConfigObject root = merged.root();
        Map<String, ModelInfo> entries = new HashMap<>();
        for (Map.Entry<String, ConfigValue> e : root.entrySet()) {
            String name = e.getKey();
            ConfigValue value = e.getValue();
            if (value.valueType() != ConfigValueType.OBJECT) {
                throw error(name, null, value, "must be an object like { context-window = 128000, max-output = 16384,"
                        + " capabilities = [streaming, tools], price { input = 1.0, output = 2.0 } }");
            }
            ConfigObject entry = (ConfigObject) value;
            int slash = name.indexOf('/');
            if (slash > 0 && slash < name.length() - 1) {
                ConfigValue plain = root.get(name.substring(slash + 1));
                if (plain != null && plain.valueType() == ConfigValueType.OBJECT) {
                    entry = entry.withFallback(plain);
                }
            }
            entries.put(name, entry(name, entry));
        }
        return new Catalog(entries);
    }

    private static ModelInfo entry(String name, ConfigObject entry) {
        for (Map.Entry<String, ConfigValue> s : entry.entrySet()) {
            if (!ENTRY_KEYS.contains(s.getKey())) {
                throw error(name, s.getKey(), s.getValue(), "is not a catalog setting (expected one of "
                        + "context-window, max-output, capabilities, price); a model name containing a dot must be"
                        + " quoted, e.g. \"gpt-4.1\" { ... }");
            }
        }
        int context = intSetting(name, entry, "context-window");
        int maxOutput = intSetting(name, entry, "max-output");
        Set<Capability> caps;
        ConfigValue capsValue = entry.get("capabilities");
        if (capsValue == null) {
            caps = EnumSet.allOf(Capability.class);
        } else {
            if (capsValue.valueType() != ConfigValueType.LIST) {
                throw error(name, "capabilities", capsValue, "must be a list, e.g. [streaming, tools, vision]");
            }
            caps = EnumSet.noneOf(Capability.class);
            for (Object item : (List<?>) capsValue.unwrapped()) {
                Capability c = item instanceof String s ? Capability.fromConfigName(s) : null;
                if (c == null) {
                    throw error(name, "capabilities", capsValue, "has unknown capability \"" + item
                            + "\"; known: streaming, tools, vision, json-schema, reasoning, embeddings, images, video");
                }
                caps.add(c);
            }
        }
        return new ModelInfo(context, maxOutput, caps, price(name, entry.get("price")), true);
    }

    private static Price price(String name, ConfigValue value) {
        if (value == null) {
            return Price.ZERO;
        }
        if (value.valueType() != ConfigValueType.OBJECT) {
            throw error(name, "price", value, "must be an object, e.g. price { input = 1.00, output = 5.00 }"
                    + " (USD per million tokens)");
        }
        ConfigObject p = (ConfigObject) value;
        for (Map.Entry<String, ConfigValue> s : p.entrySet()) {
            if (!PRICE_KEYS.contains(s.getKey())) {
                throw error(name, "price." + s.getKey(), s.getValue(), "is not a price setting (expected input, output,"
                        + " cached-input, cache-write, per-image, per-second)");
            }
        }
        return new Price(number(name, p, "input"), number(name, p, "output"), number(name, p, "cached-input"),
                number(name, p, "cache-write"), number(name, p, "per-image"), number(name, p, "per-second"));
    }

    private static double number(String name, ConfigObject p, String key) {
        ConfigValue v = p.get(key);
        if (v == null) {
            return 0;
        }
        if (v.valueType() != ConfigValueType.NUMBER || ((Number) v.unwrapped()).doubleValue() < 0) {
            throw error(name, "price." + key, v, "must be a number >= 0 (USD)");
        }
        return ((Number) v.unwrapped()).doubleValue();
    }

    private static int intSetting(String name, ConfigObject entry, String key) {
        ConfigValue v = entry.get(key);
        if (v == null) {
            return 0;
        }
        if (v.valueType() == ConfigValueType.NUMBER) {
            Number n = (Number) v.unwrapped();
            if (n.doubleValue() >= 1 && n.doubleValue() <= Integer.MAX_VALUE && n.doubleValue() == Math.rint(n.doubleValue())) {
                return n.intValue();
            }
        }
        throw error(name, key, v, "must be a whole number of tokens >= 1, e.g. " + key + " = 128000");
    }

    private static CatalogException error(String entry, String setting, ConfigValue value, String what) {
        String path = ConfigUtil.joinPath(entry) + (setting == null ? "" : "." + setting);
        String where = value != null && value.origin() != null ? value.origin().description() + ": " : "";
        return new CatalogException(path, where + "catalog setting " + path + " " + what);
    }
}
