package dev.junction.translators.model;

import dev.junction.stream.FinishReason;
import dev.junction.stream.Usage;

import java.util.List;

/** A complete (non-streamed) answer in canonical form; the OpenAI codec renders it. */
public record ChatResponse(String vendorId, String vendorModel, List<Choice> choices, Usage usage) {

    public ChatResponse {
        choices = List.copyOf(choices);
    }

    /**
     * One choice. {@code content} is null when the model only called tools; {@code reasoning}
     * is surfaced as {@code message.reasoning_content}.
     */
    public record Choice(int index, String content, String refusal, String reasoning,
                         List<ToolCall> toolCalls, FinishReason finishReason) {
        public Choice {
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }
    }
}
