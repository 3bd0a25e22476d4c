package dev.junction.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.Objects;

/**
 * A function call the simulated model emits. {@code argumentsJson} must be a JSON object
 * ({@code "{}"} for a call without arguments, which each vendor renders its own way: OpenAI
 * {@code "{}"}, Anthropic exactly one empty {@code partial_json}, Gemini no {@code args} key).
 */
public record ToolCall(String name, String argumentsJson) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public ToolCall {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("tool name must not be empty");
        }
        argumentsJson = argumentsJson == null || argumentsJson.isBlank() ? "{}" : argumentsJson;
        JsonNode parsed;
        try {
            parsed = JSON.readTree(argumentsJson);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool arguments are not JSON: " + argumentsJson, e);
        }
        if (parsed == null || !parsed.isObject()) {
            throw new IllegalArgumentException("tool arguments must be a JSON object: " + argumentsJson);
        }
        // Canonical compact form, so fragments and token counts do not depend on the caller's spacing.
        argumentsJson = parsed.toString();
    }

    public static ToolCall of(String name, String argumentsJson) {
        return new ToolCall(name, argumentsJson);
    }

    /** The arguments as a JSON object node (a fresh copy). */
    public JsonNode arguments() {
        try {
            return JSON.readTree(argumentsJson);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public boolean hasArguments() {
        return !"{}".equals(argumentsJson);
    }
}
