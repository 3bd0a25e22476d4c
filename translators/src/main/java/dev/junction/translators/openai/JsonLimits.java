package dev.junction.translators.openai;

/**
 * Limits on a client's JSON body (SPEC §9: "limits on ... JSON depth and string length").
 * {@code maxStringLength} is in characters for text and in bytes for inline media (base64 spans,
 * which are never decoded into characters); the body-size limit bounds both anyway.
 */
public record JsonLimits(int maxDepth, int maxStringLength) {

    /** 64 levels and 32 MiB: deep enough for any tool schema, long enough for a large data-URL image. */
    public static final JsonLimits DEFAULT = new JsonLimits(64, 32 * 1024 * 1024);

    public JsonLimits {
        if (maxDepth < 2) {
            throw new IllegalArgumentException("maxDepth must be at least 2, was " + maxDepth);
        }
        if (maxStringLength < 1) {
            throw new IllegalArgumentException("maxStringLength must be positive, was " + maxStringLength);
        }
    }
}
