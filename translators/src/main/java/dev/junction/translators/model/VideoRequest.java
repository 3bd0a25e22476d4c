package dev.junction.translators.model;

/**
 * An OpenAI {@code POST /v1/videos} request (wire-formats §1.10) in canonical form.
 *
 * @param seconds        OpenAI's string (e.g. {@code "8"}), or null for the vendor's default
 * @param size           {@code WIDTHxHEIGHT}, or null for the vendor's default
 * @param referenceMime  the media type of {@code input_reference}, or null when there is none
 * @param referenceBase64 the image of {@code input_reference} as standard base64, or null
 */
public record VideoRequest(String model, String prompt, String seconds, String size, String referenceMime,
                           String referenceBase64) {

    public boolean hasReference() {
        return referenceBase64 != null;
    }
}
