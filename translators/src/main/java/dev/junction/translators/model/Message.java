package dev.junction.translators.model;

import java.util.List;

/** A conversation turn (wire-formats §1.3). */
public sealed interface Message {

    /** {@code developer} or {@code system}: instructions. */
    record System(boolean developer, List<ContentPart> content, String name) implements Message { }

    record User(List<ContentPart> content, String name) implements Message { }

    /**
     * A previous model turn. {@code content} holds text and refusal parts (may be empty);
     * {@code reasoning} is the reasoning text a client sent back, if any.
     */
    record Assistant(List<ContentPart> content, List<ToolCall> toolCalls, String reasoning, String name)
            implements Message { }

    /**
     * The result of a tool call; OpenAI gives no function name (wire-formats §1.3). {@code error}
     * says the tool failed (Anthropic {@code tool_result.is_error}); chat completions cannot say so.
     */
    record Tool(String toolCallId, List<ContentPart> content, boolean error) implements Message {
        public Tool(String toolCallId, List<ContentPart> content) {
            this(toolCallId, content, false);
        }
    }
}
