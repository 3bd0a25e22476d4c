package dev.junction.translators.model;

import java.util.List;

/**
 * An embeddings request. {@code inputs} are texts; token-array inputs are kept as
 * {@code tokenInputs} (only OpenAI-shaped vendors accept them). {@code base64} is
 * {@code encoding_format == "base64"}: the gateway encodes float32 little-endian itself.
 */
public record EmbeddingsRequest(String model, List<String> inputs, List<int[]> tokenInputs,
                                Integer dimensions, boolean base64, String user) {
}
