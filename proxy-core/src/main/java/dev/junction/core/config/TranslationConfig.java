package dev.junction.core.config;

/**
 * {@code junction.translation} (DESIGN house rule 6): what to do with an OpenAI field the chosen
 * vendor cannot honour.
 *
 * @param unsupported {@code reject} (400 error) or {@code drop} (recorded warning)
 */
public record TranslationConfig(String unsupported) {

    /** The values of {@code reference.conf}. */
    public static final TranslationConfig DEFAULT = new TranslationConfig("reject");

    /** True when unsupported fields are dropped with a warning instead of rejected. */
    public boolean dropUnsupported() {
        return "drop".equals(unsupported);
    }
}
