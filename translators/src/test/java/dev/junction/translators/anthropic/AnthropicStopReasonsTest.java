package dev.junction.translators.anthropic;

import dev.junction.stream.FinishReason;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** wire-formats §4.2, every Anthropic stop_reason. */
class AnthropicStopReasonsTest {

    @Test
    void mapsEveryStopReason() {
        assertEquals(FinishReason.STOP, AnthropicStopReasons.map("end_turn", false));
        assertEquals(FinishReason.STOP, AnthropicStopReasons.map("stop_sequence", false));
        assertEquals(FinishReason.LENGTH, AnthropicStopReasons.map("max_tokens", false));
        assertEquals(FinishReason.LENGTH, AnthropicStopReasons.map("model_context_window_exceeded", false));
        assertEquals(FinishReason.TOOL_CALLS, AnthropicStopReasons.map("tool_use", false));
        assertEquals(FinishReason.STOP, AnthropicStopReasons.map("tool_use", true), "the forced json tool is content");
        assertEquals(FinishReason.STOP, AnthropicStopReasons.map("pause_turn", false));
        assertEquals(FinishReason.CONTENT_FILTER, AnthropicStopReasons.map("refusal", false));
    }
}
