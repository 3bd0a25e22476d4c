package dev.junction.core.catalog;

/**
 * A model's list price in USD (SPEC §2): tokens are priced per million; generated media per image
 * or per second of video. Zero means "free or unknown" (an uncatalogued model is priced 0).
 *
 * @param input       per million uncached input tokens
 * @param output      per million output tokens (reasoning tokens are billed as output by every vendor)
 * @param cachedInput per million input tokens served from the vendor's prompt cache
 * @param cacheWrite  per million input tokens written to the prompt cache (Anthropic), 0 when not billed
 * @param perImage    per generated image
 * @param perSecond   per second of generated video
 */
public record Price(double input, double output, double cachedInput, double cacheWrite,
                    double perImage, double perSecond) {

    public static final Price ZERO = new Price(0, 0, 0, 0, 0, 0);

    private static final double PER_MILLION = 1_000_000.0;

    public Price {
        check("input", input);
        check("output", output);
        check("cached-input", cachedInput);
        check("cache-write", cacheWrite);
        check("per-image", perImage);
        check("per-second", perSecond);
    }

    private static void check(String name, double v) {
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException("price " + name + " must be a finite number >= 0, got " + v);
        }
    }

    public static Price tokens(double input, double output) {
        return new Price(input, output, 0, 0, 0, 0);
    }

    /** Estimated USD for uncached input and output token counts: what the cost strategy compares. */
    public double estimate(long inputTokens, long outputTokens) {
        return (inputTokens * input + outputTokens * output) / PER_MILLION;
    }

    /**
     * USD for real usage. {@code inputTokens} is the total prompt count as OpenAI reports it,
     * which includes {@code cachedTokens} and {@code cacheWriteTokens}; those are billed at their own
     * rate, the rest at {@link #input()}.
     */
    public double cost(long inputTokens, long cachedTokens, long cacheWriteTokens, long outputTokens) {
        long uncached = Math.max(0, inputTokens - cachedTokens - cacheWriteTokens);
        double writeRate = cacheWrite > 0 ? cacheWrite : input;
        double cachedRate = cachedInput > 0 ? cachedInput : input;
        return (uncached * input + cachedTokens * cachedRate + cacheWriteTokens * writeRate
                + outputTokens * output) / PER_MILLION;
    }

    /**
     * USD for a vendor's usage as the translators normalise it (OpenAI accounting, wire-formats
     * §4.3): the one place a request's cost is computed (SPEC §7). Cached input (OpenAI
     * {@code cached_tokens}, Anthropic {@code cache_read_input_tokens}, Gemini
     * {@code cachedContentTokenCount}) is billed at {@code cached-input}, cache writes (Anthropic
     * {@code cache_creation_input_tokens}) at {@code cache-write}, the rest of the prompt at
     * {@code input}; reasoning tokens (OpenAI {@code reasoning_tokens}, Gemini
     * {@code thoughtsTokenCount}, added to the completion by the Gemini translator) are inside
     * the completion and billed at {@code output}.
     */
    public double cost(dev.junction.stream.Usage u) {
        return u == null ? 0 : cost(u.promptTokens(), u.cachedInputTokens(), u.cacheWriteTokens(), u.completionTokens());
    }

    /** USD for generated media: {@code images} at {@code per-image}, {@code videoSeconds} at {@code per-second}. */
    public double media(long images, double videoSeconds) {
        return images * perImage + Math.max(0, videoSeconds) * perSecond;
    }

    public boolean isZero() {
        return equals(ZERO);
    }
}
