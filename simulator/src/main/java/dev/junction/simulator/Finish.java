package dev.junction.simulator;

/**
 * How the simulated generation ends, rendered in each vendor's vocabulary (wire-formats §4.2).
 */
public enum Finish {
    /** OpenAI {@code stop}, Anthropic {@code end_turn}, Gemini {@code STOP}. */
    STOP,
    /** OpenAI {@code length}, Anthropic {@code max_tokens}, Gemini {@code MAX_TOKENS}. */
    LENGTH,
    /** OpenAI {@code tool_calls}, Anthropic {@code tool_use}, Gemini {@code STOP} (Gemini has no tool value, §3.3). */
    TOOL_CALLS,
    /**
     * A refusal: OpenAI {@code message.refusal} set with {@code content:null} and {@code stop};
     * Anthropic {@code refusal} with no content block (§2.4); Gemini {@code SAFETY} with no parts.
     */
    REFUSAL,
    /** OpenAI {@code content_filter}, Anthropic {@code refusal}, Gemini {@code SAFETY}. */
    CONTENT_FILTER;

    static Finish parse(String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT).replace('-', '_')) {
            case "stop", "end_turn" -> STOP;
            case "length", "max_tokens" -> LENGTH;
            case "tool_calls", "tool_use", "tools" -> TOOL_CALLS;
            case "refusal" -> REFUSAL;
            case "content_filter", "safety" -> CONTENT_FILTER;
            default -> throw new IllegalArgumentException("unknown finish kind: " + value
                    + " (expected stop, length, tool_calls, refusal, content_filter)");
        };
    }
}
