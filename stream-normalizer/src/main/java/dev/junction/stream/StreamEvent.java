package dev.junction.stream;

/**
 * The closed set of canonical stream events every vendor stream translator produces and the
 * OpenAI chunk writer consumes (DESIGN "stream-normalizer"). {@code choice} is the OpenAI choice
 * index; {@code toolIndex} is the tool ordinal within that choice (wire-formats §4.6), never the
 * vendor's content-block index.
 */
public sealed interface StreamEvent {

    /** The stream has started; sent once, before anything else. Vendor ids are informative only. */
    record Start(String vendorId, String vendorModel) implements StreamEvent { }

    record TextDelta(int choice, String text) implements StreamEvent { }

    /** Reasoning / thinking text, surfaced as {@code delta.reasoning_content}. */
    record ReasoningDelta(int choice, String text) implements StreamEvent { }

    /**
     * The vendor's opaque signature over the reasoning just streamed (Anthropic {@code signature_delta}),
     * which that vendor needs back verbatim to continue the conversation. Not content; the OpenAI chunk
     * writer has no place for it and skips it.
     */
    record ReasoningSignature(int choice, String signature) implements StreamEvent { }

    /** A refusal text (OpenAI {@code delta.refusal}). */
    record RefusalDelta(int choice, String text) implements StreamEvent { }

    /** First fragment of a tool call: id and name, arguments follow as {@link ToolCallArguments}. */
    record ToolCallStart(int choice, int toolIndex, String id, String name) implements StreamEvent { }

    /** A raw substring of the tool call's JSON arguments, in order. */
    record ToolCallArguments(int choice, int toolIndex, String fragment) implements StreamEvent { }

    record Finish(int choice, FinishReason reason) implements StreamEvent { }

    /** Usage for the whole request (cumulative: the last one wins). */
    record UsageReport(Usage usage) implements StreamEvent { }

    /** The vendor reported an error inside the stream (SPEC §5: becomes the in-band error). */
    record Error(GatewayError error) implements StreamEvent { }
}
