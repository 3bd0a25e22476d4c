package dev.junction.translators.model;

import dev.junction.stream.Usage;

import java.util.List;

/** Embedding vectors in input order, and usage (zero where the vendor reports none). */
public record EmbeddingsResponse(String vendorModel, List<float[]> vectors, Usage usage) {
}
