package dev.junction.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Validates JSON that Junction emits on an OpenAI endpoint against OpenAI's published OpenAPI 3.1
 * description ({@code openai/openapi.yaml}, spec 2.3.0, MIT licence beside it), with a real JSON
 * Schema 2020-12 validator (DESIGN house rule 9). Use the component names of that file, e.g.
 * {@code CreateChatCompletionResponse}, {@code CreateChatCompletionStreamResponse},
 * {@code CreateEmbeddingResponse}, {@code ErrorResponse}, {@code ListModelsResponse}, {@code Model}.
 */
public final class OpenAiSchema {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    // The OpenAI document is OpenAPI 3.1 but still marks many fields with the 3.0 keyword
    // `nullable: true` (e.g. chunk `finish_reason`, `logprobs`), which plain 2020-12 ignores.
    private static final SchemaValidatorsConfig CONFIG = SchemaValidatorsConfig.builder().nullableKeywordEnabled(true).build();
    private static final ConcurrentHashMap<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    private OpenAiSchema() {
    }

    /** Returns the validation errors (empty when valid). */
    public static Set<String> errors(String component, JsonNode instance) {
        JsonSchema schema = SCHEMAS.computeIfAbsent(component, c -> FACTORY.getSchema(
                SchemaLocation.of("classpath:openai/openapi.yaml#/components/schemas/" + c), CONFIG));
        Set<ValidationMessage> messages = schema.validate(instance);
        return messages.stream().map(ValidationMessage::toString).collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    /** Throws an {@link AssertionError} listing every violation. */
    public static void assertValid(String component, JsonNode instance) {
        Set<String> errors = errors(component, instance);
        if (!errors.isEmpty()) {
            throw new AssertionError("not a valid OpenAI " + component + ": " + errors + "\n" + instance.toPrettyString());
        }
    }

    public static void assertValid(String component, String json) {
        try {
            assertValid(component, JSON.readTree(json));
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + json, e);
        }
    }
}
