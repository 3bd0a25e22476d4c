package dev.junction.translators;

import dev.junction.translators.anthropic.AnthropicAdapter;
import dev.junction.translators.gemini.GeminiAdapter;
import dev.junction.translators.passthrough.OpenAiPassThrough;
import dev.junction.translators.passthrough.PassThroughVendor;
import dev.junction.translators.spi.Vendor;
import dev.junction.translators.spi.VendorAdapter;

import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every provider {@code type} Junction speaks, one line each: OpenAI-shaped vendors are carried as
 * bytes ({@link PassThroughVendor}); the others are translated through the canonical model
 * ({@link VendorAdapter}). Both are a {@link Vendor}, resolved once per route. Adding a vendor adds
 * a line here (README "Adding a vendor").
 */
public final class VendorRegistry {

    private static final Map<String, Vendor> VENDORS = Map.of(
            "openai", new OpenAiPassThrough("openai", OpenAiPassThrough.Flavor.OPENAI),
            "openai-compatible", new OpenAiPassThrough("openai-compatible", OpenAiPassThrough.Flavor.COMPATIBLE),
            "azure-openai", new OpenAiPassThrough("azure-openai", OpenAiPassThrough.Flavor.AZURE),
            "anthropic", new AnthropicAdapter(),
            "gemini", new GeminiAdapter());

    private VendorRegistry() {
    }

    /** The vendor for {@code type}, or null when the type is unknown. */
    public static Vendor vendor(String type) {
        return VENDORS.get(type);
    }

    /** The pass-through vendor for {@code type}, or null when the type is translated or unknown (tests, golden files). */
    public static PassThroughVendor passThrough(String type) {
        return VENDORS.get(type) instanceof PassThroughVendor p ? p : null;
    }

    /** The translating adapter for {@code type}, or null (tests, golden files). */
    public static VendorAdapter adapter(String type) {
        return VENDORS.get(type) instanceof VendorAdapter a ? a : null;
    }

    /** All known types, for config validation. */
    public static Set<String> types() {
        return new TreeSet<>(VENDORS.keySet());
    }
}
