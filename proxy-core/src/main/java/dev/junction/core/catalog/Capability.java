package dev.junction.core.catalog;

import java.util.Locale;

/** What a model can do, as named in the catalog's {@code capabilities} list (SPEC §2). */
public enum Capability {
    STREAMING("streaming"),
    TOOLS("tools"),
    VISION("vision"),
    JSON_SCHEMA("json-schema"),
    REASONING("reasoning"),
    EMBEDDINGS("embeddings"),
    IMAGES("images"),
    VIDEO("video");

    private final String configName;

    Capability(String configName) {
        this.configName = configName;
    }

    /** The name used in catalog files and error messages, e.g. {@code json-schema}. */
    public String configName() {
        return configName;
    }

    /** Parses a catalog name; null when unknown (the loader turns that into an error naming the path). */
    public static Capability fromConfigName(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Capability c : values()) {
            if (c.configName.equals(n)) {
                return c;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return configName;
    }
}
