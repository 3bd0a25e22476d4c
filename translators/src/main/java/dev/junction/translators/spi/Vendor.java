package dev.junction.translators.spi;

import dev.junction.stream.GatewayError;
import dev.junction.translators.ingress.IngressRequest;
import dev.junction.translators.openai.CanonicalTranslator;

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
     * The vendor's side of the canonical model, which serves a request from any door; null when the
     * vendor can only carry the bytes of the door whose shape it speaks.
     */
    default VendorAdapter adapter() {
        return null;
    }

    /**
     * The contract for one client request on one route ({@code target}), used by every attempt
     * there: the door's pass-through when this vendor speaks the door's shape
     * ({@link IngressRequest#passThrough}), else the canonical path over {@link #adapter()}.
     * {@code unsupportedPolicy} is the configured {@code translation.unsupported} ({@code reject}
     * or {@code drop}); a provider option {@code unsupported} in the target wins. Throws
     * {@link TranslationException} when neither path exists.
     */
    default Translator translator(IngressRequest request, Target target, String unsupportedPolicy) {
        Translator carried = request.passThrough(this, target, unsupportedPolicy);
        if (carried != null) {
            return carried;
        }
        VendorAdapter a = adapter();
        if (a == null) {
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", "model",
                    "Provider '" + target.provider() + "' (type " + type() + ") cannot be reached from the "
                            + request.door() + " endpoint. Use a model alias served by another provider."));
        }
        return new CanonicalTranslator(a, request, target.withDefaultOption("unsupported", unsupportedPolicy));
    }
}
