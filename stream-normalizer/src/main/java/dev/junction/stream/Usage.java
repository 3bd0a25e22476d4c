package dev.junction.stream;

/**
 * Token usage in OpenAI's accounting (wire-formats §4.3): {@code promptTokens} includes cached
 * and cache-write tokens, {@code completionTokens} includes reasoning tokens. Translators convert
 * vendor figures into this shape; the total is always prompt + completion.
 */
public record Usage(long promptTokens, long completionTokens, long cachedInputTokens,
                    long cacheWriteTokens, long reasoningTokens) {

    public static final Usage ZERO = new Usage(0, 0, 0, 0, 0);

    public Usage {
        if (promptTokens < 0 || completionTokens < 0 || cachedInputTokens < 0 || cacheWriteTokens < 0
                || reasoningTokens < 0) {
            throw new IllegalArgumentException("negative token count");
        }
    }

    public static Usage of(long promptTokens, long completionTokens) {
        return new Usage(promptTokens, completionTokens, 0, 0, 0);
    }

    public long totalTokens() {
        return promptTokens + completionTokens;
    }

    /** Sums two usages, e.g. the choices of an {@code n > 1} fan-out. */
    public Usage plus(Usage o) {
        return new Usage(promptTokens + o.promptTokens, completionTokens + o.completionTokens,
                cachedInputTokens + o.cachedInputTokens, cacheWriteTokens + o.cacheWriteTokens,
                reasoningTokens + o.reasoningTokens);
    }
}
