package dev.junction.stream;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the tool calls of one choice from {@link StreamEvent.ToolCallStart} and
 * {@link StreamEvent.ToolCallArguments} events, keyed by tool ordinal (wire-formats §4.6: the
 * OpenAI {@code tool_calls[].index}), concatenating argument fragments in order. Not thread-safe.
 */
public final class ToolCallAccumulator {

    /** One finished tool call; {@code arguments} is {@code "{}"} when no fragment arrived (§8.12). */
    public record ToolCall(int index, String id, String name, String arguments) {
    }

    private static final class Builder {
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();
    }

    private final List<Builder> calls = new ArrayList<>(2);

    public void start(int toolIndex, String id, String name) {
        Builder b = builder(toolIndex);
        b.id = id;
        b.name = name;
    }

    public void append(int toolIndex, String fragment) {
        if (fragment != null && !fragment.isEmpty()) {
            builder(toolIndex).arguments.append(fragment);
        }
    }

    /** Whether any call was seen. */
    public boolean isEmpty() {
        return calls.isEmpty();
    }

    /** The calls in ordinal order; ordinals that never appeared are skipped. */
    public List<ToolCall> build() {
        List<ToolCall> out = new ArrayList<>(calls.size());
        for (int i = 0; i < calls.size(); i++) {
            Builder b = calls.get(i);
            if (b == null) {
                continue;
            }
            String args = b.arguments.length() == 0 ? "{}" : b.arguments.toString();
            out.add(new ToolCall(i, b.id, b.name, args));
        }
        return List.copyOf(out);
    }

    private Builder builder(int toolIndex) {
        if (toolIndex < 0) {
            throw new IllegalArgumentException("negative tool index " + toolIndex);
        }
        while (calls.size() <= toolIndex) {
            calls.add(null);
        }
        Builder b = calls.get(toolIndex);
        if (b == null) {
            b = new Builder();
            calls.set(toolIndex, b);
        }
        return b;
    }
}
