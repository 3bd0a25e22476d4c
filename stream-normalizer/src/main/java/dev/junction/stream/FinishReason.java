package dev.junction.stream;

/** OpenAI's {@code finish_reason} values, the only ones Junction ever emits (wire-formats §1.4). */
public enum FinishReason {
    STOP("stop"), LENGTH("length"), TOOL_CALLS("tool_calls"), CONTENT_FILTER("content_filter");

    private final String wire;

    FinishReason(String wire) {
        this.wire = wire;
    }

    /** The value as written in an OpenAI response. */
    public String wire() {
        return wire;
    }
}
