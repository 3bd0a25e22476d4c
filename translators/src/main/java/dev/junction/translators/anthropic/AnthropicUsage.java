package dev.junction.translators.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.Usage;

/**
 * Anthropic usage figures as sent; null = absent, so a later cumulative report overwrites only
 * what it carries (wire-formats §4.3 "Streaming, Anthropic").
 */
record AnthropicUsage(Long input, Long output, Long cacheRead, Long cacheCreation, Long thinking) {

    static final AnthropicUsage NONE = new AnthropicUsage(null, null, null, null, null);

    static AnthropicUsage of(JsonNode u) {
        if (u == null || !u.isObject()) {
            return NONE;
        }
        return new AnthropicUsage(num(u, "input_tokens"), num(u, "output_tokens"), num(u, "cache_read_input_tokens"),
                num(u, "cache_creation_input_tokens"), num(u.path("output_tokens_details"), "thinking_tokens"));
    }

    /** This usage with every figure {@code later} carries replacing ours. */
    AnthropicUsage overwrite(AnthropicUsage later) {
        return new AnthropicUsage(pick(later.input, input), pick(later.output, output), pick(later.cacheRead, cacheRead),
                pick(later.cacheCreation, cacheCreation), pick(later.thinking, thinking));
    }

    /**
     * OpenAI accounting (wire-formats §4.3): prompt = input + cache read + cache creation; cached =
     * cache read; cache write = cache creation; completion = output (already includes thinking).
     */
    Usage toOpenAi() {
        long in = z(input);
        long read = z(cacheRead);
        long created = z(cacheCreation);
        return new Usage(in + read + created, z(output), read, created, z(thinking));
    }

    private static Long pick(Long a, Long b) {
        return a != null ? a : b;
    }

    private static long z(Long v) {
        return v == null ? 0 : v;
    }

    private static Long num(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v != null && v.canConvertToLong() && v.isNumber() ? v.asLong() : null;
    }
}
