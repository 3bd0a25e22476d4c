package dev.junction.translators.model;

import com.fasterxml.jackson.databind.JsonNode;

/** OpenAI {@code response_format}. */
public sealed interface ResponseFormat {
    record Text() implements ResponseFormat { }

    record JsonObject() implements ResponseFormat { }

    record JsonSchema(String name, String description, JsonNode schema, Boolean strict) implements ResponseFormat { }
}
