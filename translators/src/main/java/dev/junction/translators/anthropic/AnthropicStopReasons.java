package dev.junction.translators.anthropic;

import dev.junction.stream.FinishReason;

/** Anthropic {@code stop_reason} → OpenAI {@code finish_reason} (wire-formats §4.2). */
final class AnthropicStopReasons {

    private AnthropicStopReasons() {
    }

    /**
     * {@code jsonTool} is true when {@code tool_use} came from the forced "json" tool used for
     * {@code response_format}: the answer is content, so it stops normally.
     */
    static FinishReason map(String stopReason, boolean jsonTool) {
        if (stopReason == null) {
            return FinishReason.STOP;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> jsonTool ? FinishReason.STOP : FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            // end_turn, stop_sequence, pause_turn (incomplete server-tool turn; vercel and Portkey: stop)
            default -> FinishReason.STOP;
        };
    }
}
