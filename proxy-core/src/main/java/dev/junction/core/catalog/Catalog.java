package dev.junction.core.catalog;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * Immutable lookup of {@link ModelInfo} by upstream model name, as sent to the vendor (SPEC §2).
 * An entry named {@code "<provider>/<model>"} overrides the plain {@code "<model>"} entry for that
 * one provider (e.g. a self-hosted copy of a model with a smaller context window). Built by
 * {@link CatalogLoader}.
 */
public final class Catalog {

    private static final Catalog EMPTY = new Catalog(Map.of());

    private final Map<String, ModelInfo> entries;

    public Catalog(Map<String, ModelInfo> entries) {
        this.entries = Map.copyOf(entries);
    }

    public static Catalog empty() {
        return EMPTY;
    }

    /** The provider-specific entry if any, else the model's entry; empty when no catalog knows it. */
    public Optional<ModelInfo> find(String provider, String model) {
        ModelInfo specific = provider == null ? null : entries.get(provider + "/" + model);
        return Optional.ofNullable(specific != null ? specific : entries.get(model));
    }

    /** Like {@link #find} but falls back to {@link ModelInfo#unknown()} (SPEC §2: still routable). */
    public ModelInfo resolve(String provider, String model) {
        return find(provider, model).orElse(ModelInfo.unknown());
    }

    /** Every entry by name, sorted (for {@code junction check} and tests). */
    public Map<String, ModelInfo> entries() {
        return new TreeMap<>(entries);
    }

    public int size() {
        return entries.size();
    }
}
