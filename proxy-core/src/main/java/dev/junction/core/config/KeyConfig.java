package dev.junction.core.config;

import java.util.List;

/**
 * One gateway key. {@code models} holds alias names or {@code "*"}; {@code admin} lets the key use
 * the admin endpoints. Null limits mean unlimited (SPEC §7.1: {@code rpm}, {@code tpm},
 * {@code max-concurrent}, {@code budget-usd-per-day}, {@code budget-usd-per-month}, UTC periods).
 * {@link #toString()} never shows the key.
 */
public record KeyConfig(String name, String key, List<String> models, Integer rpm, Long tpm,
                        Double budgetUsdPerDay, boolean admin, Integer maxConcurrent, Double budgetUsdPerMonth) {

    public KeyConfig {
        models = List.copyOf(models);
    }

    /** A key without a concurrency limit or monthly budget. */
    public KeyConfig(String name, String key, List<String> models, Integer rpm, Long tpm, Double budgetUsdPerDay,
                     boolean admin) {
        this(name, key, models, rpm, tpm, budgetUsdPerDay, admin, null, null);
    }

    /** True when any limit or budget is set (otherwise the limiter is skipped for this key). */
    public boolean limited() {
        return rpm != null || tpm != null || budgetUsdPerDay != null || maxConcurrent != null
                || budgetUsdPerMonth != null;
    }

    public boolean allows(String alias) {
        return models.contains("*") || models.contains(alias);
    }

    @Override
    public String toString() {
        return "KeyConfig[" + name + ", models=" + models + ", admin=" + admin + "]";
    }
}
