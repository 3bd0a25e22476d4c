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

    /**
     * OpenAI's schema component for each Responses stream event type (wire-formats §1.11.5) that
     * Junction or the simulator emits; {@link #assertValidResponsesEvent} validates against it.
     */
    public static final java.util.Map<String, String> RESPONSES_EVENTS = java.util.Map.ofEntries(
            java.util.Map.entry("response.created", "ResponseCreatedEvent"),
            java.util.Map.entry("response.in_progress", "ResponseInProgressEvent"),
            java.util.Map.entry("response.completed", "ResponseCompletedEvent"),
            java.util.Map.entry("response.incomplete", "ResponseIncompleteEvent"),
            java.util.Map.entry("response.failed", "ResponseFailedEvent"),
            java.util.Map.entry("response.output_item.added", "ResponseOutputItemAddedEvent"),
            java.util.Map.entry("response.output_item.done", "ResponseOutputItemDoneEvent"),
            java.util.Map.entry("response.content_part.added", "ResponseContentPartAddedEvent"),
            java.util.Map.entry("response.content_part.done", "ResponseContentPartDoneEvent"),
            java.util.Map.entry("response.output_text.delta", "ResponseTextDeltaEvent"),
            java.util.Map.entry("response.output_text.done", "ResponseTextDoneEvent"),
            java.util.Map.entry("response.refusal.delta", "ResponseRefusalDeltaEvent"),
            java.util.Map.entry("response.refusal.done", "ResponseRefusalDoneEvent"),
            java.util.Map.entry("response.function_call_arguments.delta", "ResponseFunctionCallArgumentsDeltaEvent"),
            java.util.Map.entry("response.function_call_arguments.done", "ResponseFunctionCallArgumentsDoneEvent"),
            java.util.Map.entry("response.reasoning_summary_part.added", "ResponseReasoningSummaryPartAddedEvent"),
            java.util.Map.entry("response.reasoning_summary_part.done", "ResponseReasoningSummaryPartDoneEvent"),
            java.util.Map.entry("response.reasoning_summary_text.delta", "ResponseReasoningSummaryTextDeltaEvent"),
            java.util.Map.entry("response.reasoning_summary_text.done", "ResponseReasoningSummaryTextDoneEvent"),
            java.util.Map.entry("error", "ResponseErrorEvent"));

    /**
     * Validates one Responses stream event against its component, chosen by its {@code type}; an
     * unknown type fails (the SDKs' stream helpers throw on one). The {@code error} event is checked
     * for its flat members only: OpenAI's schema declares it flat, while the live API (and Junction)
     * also nest the error under {@code error}, which makes the SDKs raise.
     */
    public static void assertValidResponsesEvent(JsonNode event) {
        String type = event.path("type").asText();
        String component = RESPONSES_EVENTS.get(type);
        if (component == null) {
            throw new AssertionError("not a Responses stream event type Junction sends: '" + type + "'\n" + event);
        }
        if (type.equals("error")) {
            com.fasterxml.jackson.databind.node.ObjectNode flat = event.deepCopy();
            flat.remove("error");
            assertValid(component, flat);
            return;
        }
        assertValid(component, event);
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
