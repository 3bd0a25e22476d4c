package dev.junction.stream;

/**
 * Takes a text fragment as a vendor's JSON carries it — the bytes between the quotes of a JSON
 * string, escapes as the vendor wrote them — in place of the canonical event that would carry the
 * decoded text, so that a client door whose wire format is JSON too can copy the bytes instead of
 * decoding them to a {@code String} and escaping it again. The translated stream implements it
 * (the translator finds it as its event consumer); a translator that has the bytes offers them
 * here first and sends the event only when they are declined.
 */
public interface JsonTextSink {

    /** The canonical event a fragment stands for. */
    enum Kind {
        /** {@link StreamEvent.TextDelta}. */
        TEXT,
        /** {@link StreamEvent.ReasoningDelta}. */
        REASONING,
        /** {@link StreamEvent.ToolCallArguments} (with its tool index). */
        TOOL_ARGUMENTS
    }

    /**
     * Offers the fragment {@code json[from, to)} (non-empty; valid only during this call) that the
     * event of {@code kind} for {@code choice} (and {@code toolIndex}, for tool arguments) would
     * carry decoded. Returns true when it was taken: with exactly the effect of that event,
     * frames byte for byte the same. Returns false, with nothing done, when it is declined (this
     * sink cannot take the form, or the bytes are not a valid JSON string's content); the caller
     * then decodes the text and sends the event.
     */
    boolean jsonText(Kind kind, int choice, int toolIndex, byte[] json, int from, int to);
}
