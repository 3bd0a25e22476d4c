package dev.junction.core.config;

import java.util.List;

/**
 * One gateway key. {@code models} holds alias names or {@code "*"}; {@code admin} lets the key use
 * the admin endpoints. Null limits mean unlimited. {@link #toString()} never shows the key.
 */
public record KeyConfig(String name, String key, List<String> models, Integer rpm, Long tpm,
                        Double budgetUsdPerDay, boolean admin) {

    public KeyConfig {
        models = List.copyOf(models);
    }

    public boolean allows(String alias) {
        return models.contains("*") || models.contains(alias);
    }

    @Override
    public String toString() {
        return "KeyConfig[" + name + ", models=" + models + ", admin=" + admin + "]";
    }
}
