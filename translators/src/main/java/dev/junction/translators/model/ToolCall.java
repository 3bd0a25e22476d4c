package dev.junction.translators.model;

/** A function call made by the model: {@code arguments} is the raw JSON text ("{}" when none). */
public record ToolCall(String id, String name, String arguments) {
}
