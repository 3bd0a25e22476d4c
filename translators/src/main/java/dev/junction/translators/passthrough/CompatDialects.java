package dev.junction.translators.passthrough;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one registry of {@link CompatDialect}s by config name ({@code options.dialect}, default
 * {@code generic}). vLLM and Groq need no override beyond what the shared path already does for
 * every server (wire-formats §6.1: flat/string errors, {@code x_groq.usage}); their names exist so
 * a configuration can say what it talks to, and so a later override has a home.
 */
public final class CompatDialects {

    public static final String OPTION = "dialect";

    public static final CompatDialect GENERIC = named("generic");

    private static final Map<String, CompatDialect> BY_NAME = Map.of(
            "generic", GENERIC,
            "vllm", named("vllm"),
            "ollama", OllamaDialect.INSTANCE,
            "groq", named("groq"),
            "mistral", MistralDialect.INSTANCE,
            "deepseek", DeepSeekDialect.INSTANCE,
            "together", TogetherDialect.INSTANCE);

    private CompatDialects() {
    }

    /** The dialect named {@code name}; null means generic. Unknown names were rejected by config validation. */
    public static CompatDialect of(String name) {
        if (name == null) {
            return GENERIC;
        }
        CompatDialect d = BY_NAME.get(name);
        if (d == null) {
            throw new IllegalArgumentException("unknown dialect '" + name + "'; known: " + names());
        }
        return d;
    }

    /** Every dialect name, for config validation. */
    public static Set<String> names() {
        return new TreeSet<>(BY_NAME.keySet());
    }

    private static CompatDialect named(String name) {
        return () -> name;
    }
}
