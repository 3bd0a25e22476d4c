package dev.junction.translators.responses;

import com.fasterxml.jackson.core.JsonGenerator;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * The {@code response} object of OpenAI's Responses API (wire-formats §1.11.4) and its output items,
 * written by one writer for the unary answer and for every stream snapshot, so both doors of the
 * Responses shape say the same thing. Every member OpenAI's schema requires is written, plus the
 * ones the Open Responses suite checks (wire-formats §1.11.8), {@code null} where Junction has nothing
 * and the schema allows it; {@code usage} (none yet, or a failed response) and {@code user} are left
 * out instead, as OpenAI's schema does not admit them as null.
 */
final class ResponseObject {

    /** An output item; {@code status} is in_progress, completed or incomplete. */
    sealed interface Item {
        String id();
    }

    /** Vendor reasoning, shown as one summary text part. */
    record Reasoning(String id, String text, String status) implements Item {
    }

    /** The assistant's message: its output text and refusal parts, in order. */
    record MessageItem(String id, List<ContentPart> parts, String status) implements Item {
    }

    /** An {@code output_text} part, or a {@code refusal} part. */
    record ContentPart(boolean refusal, String text) {
    }

    record FunctionCall(String id, String callId, String name, String arguments, String status) implements Item {
    }

    /** What the answer's end means for the response: status and, when incomplete, why. */
    record Outcome(String status, String incompleteReason) {
        static Outcome of(FinishReason f) {
            if (f == FinishReason.LENGTH) {
                return new Outcome("incomplete", "max_output_tokens");
            }
            if (f == FinishReason.CONTENT_FILTER) {
                return new Outcome("incomplete", "content_filter");
            }
            return new Outcome("completed", null);
        }
    }

    private ResponseObject() {
    }

    /** Item ids share the response id's suffix: {@code resp_X} → {@code msg_X}, {@code rs_X}, {@code fc_X_<n>}. */
    static String itemId(String responseId, String prefix) {
        String suffix = responseId.startsWith("resp_") ? responseId.substring(5) : responseId;
        return prefix + "_" + suffix;
    }

    static void writeResponse(JsonGenerator g, ResponsesRequest req, String id, long createdAt, String status,
                              String incompleteReason, List<Item> output, Usage usage, GatewayError error)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("id", id);
        g.writeStringField("object", "response");
        g.writeNumberField("created_at", createdAt);
        g.writeStringField("status", status);
        if ("completed".equals(status)) {
            g.writeNumberField("completed_at", createdAt);
        } else {
            g.writeNullField("completed_at");
        }
        g.writeBooleanField("background", false);
        if (error == null) {
            g.writeNullField("error");
        } else {
            g.writeObjectFieldStart("error");
            g.writeStringField("code", responseErrorCode(error));
            g.writeStringField("message", error.message());
            g.writeEndObject();
        }
        if (incompleteReason == null) {
            g.writeNullField("incomplete_details");
        } else {
            g.writeObjectFieldStart("incomplete_details");
            g.writeStringField("reason", incompleteReason);
            g.writeEndObject();
        }
        g.writeStringField("instructions", req.instructions());
        writeNullableInt(g, "max_output_tokens", req.maxOutputTokens());
        g.writeNullField("max_tool_calls");
        g.writeStringField("model", req.chat().model());
        g.writeArrayFieldStart("output");
        for (Item item : output) {
            writeItem(g, item);
        }
        g.writeEndArray();
        g.writeBooleanField("parallel_tool_calls", req.parallelToolCalls());
        g.writeStringField("previous_response_id", req.previousResponseId());
        if (req.reasoning() == null) {
            g.writeNullField("reasoning");
        } else {
            g.writeFieldName("reasoning");
            g.writeTree(req.reasoning());
        }
        g.writeBooleanField("store", req.store());
        g.writeNumberField("temperature", req.temperature());
        g.writeFieldName("text");
        g.writeTree(req.text());
        g.writeFieldName("tool_choice");
        g.writeTree(req.toolChoice());
        g.writeFieldName("tools");
        g.writeTree(req.tools());
        g.writeNumberField("top_p", req.topP());
        g.writeNumberField("top_logprobs", 0);
        g.writeNumberField("presence_penalty", 0);
        g.writeNumberField("frequency_penalty", 0);
        g.writeStringField("truncation", "disabled");
        g.writeStringField("service_tier", "default");
        g.writeNullField("prompt_cache_key");
        g.writeNullField("safety_identifier");
        if (req.user() != null) { // OpenAI's schema has no null user or usage: absent means none
            g.writeStringField("user", req.user());
        }
        if (usage != null) {
            g.writeFieldName("usage");
            writeUsage(g, usage);
        }
        g.writeObjectFieldStart("metadata");
        for (Map.Entry<String, String> e : req.metadata().entrySet()) {
            g.writeStringField(e.getKey(), e.getValue());
        }
        g.writeEndObject();
        g.writeEndObject();
    }

    static void writeItem(JsonGenerator g, Item item) throws IOException {
        g.writeStartObject();
        if (item instanceof Reasoning r) {
            g.writeStringField("id", r.id());
            g.writeStringField("type", "reasoning");
            g.writeArrayFieldStart("summary");
            if (r.text() != null && !r.text().isEmpty()) {
                writeSummaryPart(g, r.text());
            }
            g.writeEndArray();
            g.writeStringField("status", r.status());
        } else if (item instanceof MessageItem m) {
            g.writeStringField("id", m.id());
            g.writeStringField("type", "message");
            g.writeStringField("status", m.status());
            g.writeStringField("role", "assistant");
            g.writeArrayFieldStart("content");
            for (ContentPart part : m.parts()) {
                if (part.refusal()) {
                    writeRefusalPart(g, part.text());
                } else {
                    writeTextPart(g, part.text());
                }
            }
            g.writeEndArray();
        } else if (item instanceof FunctionCall c) {
            g.writeStringField("id", c.id());
            g.writeStringField("type", "function_call");
            g.writeStringField("status", c.status());
            g.writeStringField("call_id", c.callId());
            g.writeStringField("name", c.name());
            g.writeStringField("arguments", c.arguments());
        }
        g.writeEndObject();
    }

    static void writeTextPart(JsonGenerator g, String text) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "output_text");
        g.writeStringField("text", text);
        g.writeArrayFieldStart("annotations");
        g.writeEndArray();
        g.writeArrayFieldStart("logprobs");
        g.writeEndArray();
        g.writeEndObject();
    }

    static void writeRefusalPart(JsonGenerator g, String refusal) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "refusal");
        g.writeStringField("refusal", refusal);
        g.writeEndObject();
    }

    static void writeSummaryPart(JsonGenerator g, String text) throws IOException {
        g.writeStartObject();
        g.writeStringField("type", "summary_text");
        g.writeStringField("text", text);
        g.writeEndObject();
    }

    /**
     * Responses usage (wire-formats §1.11.6): canonical prompt tokens already include cached and
     * cache-write tokens, completion tokens include reasoning; both detail objects always present.
     */
    static void writeUsage(JsonGenerator g, Usage u) throws IOException {
        g.writeStartObject();
        g.writeNumberField("input_tokens", u.promptTokens());
        g.writeObjectFieldStart("input_tokens_details");
        g.writeNumberField("cached_tokens", u.cachedInputTokens());
        g.writeNumberField("cache_write_tokens", u.cacheWriteTokens());
        g.writeEndObject();
        g.writeNumberField("output_tokens", u.completionTokens());
        g.writeObjectFieldStart("output_tokens_details");
        g.writeNumberField("reasoning_tokens", u.reasoningTokens());
        g.writeEndObject();
        g.writeNumberField("total_tokens", u.totalTokens());
        g.writeEndObject();
    }

    /**
     * The {@code response.error.code} of a failed response: OpenAI's schema allows only its own
     * codes there, so Junction's SPEC §4 code travels in the {@code error} event before it.
     */
    static String responseErrorCode(GatewayError e) {
        if (e.status() == 429) {
            return "rate_limit_exceeded";
        }
        if ("content_filter".equals(e.code())) {
            return "invalid_prompt";
        }
        return "server_error";
    }

    private static void writeNullableInt(JsonGenerator g, String name, Integer v) throws IOException {
        if (v == null) {
            g.writeNullField(name);
        } else {
            g.writeNumberField(name, v);
        }
    }
}
