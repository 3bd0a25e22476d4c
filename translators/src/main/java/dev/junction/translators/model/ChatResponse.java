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
     * is surfaced as {@code message.reasoning_content}. {@code reasoningSignature} is the vendor's
     * opaque signature over the reasoning (Anthropic {@code thinking.signature}), null when none;
     * chat completions has no place for it, the Anthropic Messages shape does.
     */
    public record Choice(int index, String content, String refusal, String reasoning,
                         List<ToolCall> toolCalls, FinishReason finishReason, String reasoningSignature) {
        public Choice {
            toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        }

        public Choice(int index, String content, String refusal, String reasoning, List<ToolCall> toolCalls,
                      FinishReason finishReason) {
            this(index, content, refusal, reasoning, toolCalls, finishReason, null);
        }
    }
}
