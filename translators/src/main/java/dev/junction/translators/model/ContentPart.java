package dev.junction.translators.model;

/** A part of a message's content (wire-formats §1.3). */
public sealed interface ContentPart {

    record Text(String text) implements ContentPart { }

    /** {@code detail} is OpenAI's auto|low|high, or null. */
    record Image(MediaSource source, String detail) implements ContentPart { }

    /** {@code format} is wav|mp3. */
    record Audio(MediaSource source, String format) implements ContentPart { }

    /** A document (PDF). */
    record File(MediaSource source, String filename) implements ContentPart { }

    /** An assistant refusal part. */
    record Refusal(String refusal) implements ContentPart { }
}
