package dev.junction.translators.model;

import com.fasterxml.jackson.databind.JsonNode;

/** A function tool definition; {@code parameters} is the JSON Schema as the client sent it (may be null). */
public record Tool(String name, String description, JsonNode parameters, Boolean strict) {
}
