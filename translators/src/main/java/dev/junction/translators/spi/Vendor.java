package dev.junction.translators.spi;

import dev.junction.translators.openai.OpenAiRequest;

/**
 * A provider {@code type} Junction speaks, looked up once per route ({@code VendorRegistry.vendor}).
 * Stateless and thread-safe. Two kinds implement it: an OpenAI-shaped vendor that carries the
 * client's bytes ({@link dev.junction.translators.passthrough.PassThroughVendor}) and a vendor
 * translated through the canonical model ({@link VendorAdapter}); the proxy sees only this and the
 * per-request {@link Translator} it opens.
 */
public interface Vendor {

    /** The config {@code type} this vendor serves, e.g. {@code "anthropic"}. */
    String type();

    /**
     * The contract for one client request on one route ({@code target}), used by every attempt
     * there. {@code unsupportedPolicy} is the configured {@code translation.unsupported}
     * ({@code reject} or {@code drop}); a provider option {@code unsupported} in the target wins.
     */
    Translator translator(OpenAiRequest request, Target target, String unsupportedPolicy);
}
