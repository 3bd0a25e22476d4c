package dev.junction.core.catalog;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the catalog knows about one upstream model (SPEC §2).
 *
 * @param contextWindow input + output tokens the model accepts; 0 when unknown (not checked)
 * @param maxOutput     largest output the model produces; 0 when unknown (not checked)
 * @param capabilities  what it can do; an unmodifiable enum set
 * @param price         its list price
 * @param catalogued    false for a model missing from every catalog: then it is assumed capable of
 *                      anything and priced 0, and the route table logs a warning (SPEC §2)
 */
public record ModelInfo(int contextWindow, int maxOutput, Set<Capability> capabilities, Price price,
                        boolean catalogued) {

    private static final ModelInfo UNKNOWN =
            new ModelInfo(0, 0, EnumSet.allOf(Capability.class), Price.ZERO, false);

    public ModelInfo {
        if (contextWindow < 0 || maxOutput < 0) {
            throw new IllegalArgumentException("context-window and max-output must be >= 0");
        }
        capabilities = Collections.unmodifiableSet(capabilities.isEmpty()
                ? EnumSet.noneOf(Capability.class) : EnumSet.copyOf(capabilities));
        price = price == null ? Price.ZERO : price;
    }

    /** The assumption for a model no catalog knows: every capability, no limits, price 0. */
    public static ModelInfo unknown() {
        return UNKNOWN;
    }

    public boolean has(Capability c) {
        return capabilities.contains(c);
    }
}
