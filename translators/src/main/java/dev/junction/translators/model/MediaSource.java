package dev.junction.translators.model;

/** Where the bytes of an image, audio clip or file come from. */
public sealed interface MediaSource {

    /** Inline base64 data (from a {@code data:} URL); {@code base64} spans the request body. */
    record Inline(String mimeType, ByteSpan base64) implements MediaSource { }

    /** A remote URL the vendor may fetch, or Junction fetches and inlines. */
    record Url(String url) implements MediaSource { }

    /** A vendor-side file id (OpenAI {@code file_id}). */
    record FileId(String id) implements MediaSource { }
}
