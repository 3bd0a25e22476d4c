package dev.junction.translators.model;

import dev.junction.stream.Usage;

import java.util.List;

/**
 * A vendor's image answer in canonical form: each image either as base64 bytes located in the
 * vendor's body (a {@link ByteSpan}, never decoded into a Java string; valid while that body is)
 * or as a URL the vendor returned (OpenAI's dall-e default), which Junction copies before answering.
 *
 * @param usage token usage when the vendor reports it (GPT image models, Gemini), else null
 */
public record ImagesResponse(List<Image> images, Usage usage) {

    public ImagesResponse {
        images = List.copyOf(images);
    }

    /**
     * @param base64   the image's standard base64, or null when {@code url} is set
     * @param mimeType the image's media type ({@code image/png} when the vendor does not say)
     * @param url      a vendor URL to copy from, or null
     * @param revisedPrompt the vendor's rewritten prompt (dall-e-3), or null
     */
    public record Image(ByteSpan base64, String mimeType, String url, String revisedPrompt) {
    }
}
