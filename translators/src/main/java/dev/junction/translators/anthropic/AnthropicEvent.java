package dev.junction.translators.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.SseEvent;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;

/**
 * The closed set of Anthropic stream events (wire-formats §2.4), decoded from one SSE event's
 * data. The JSON {@code type} is authoritative (it always equals the SSE {@code event} name).
 */
sealed interface AnthropicEvent {

    record MessageStart(String id, String model, AnthropicUsage usage) implements AnthropicEvent { }

    /**
     * {@code blockType} is text, tool_use, thinking, redacted_thinking or a newer type; {@code id} and
     * {@code name} are set for tool_use; {@code text} is the initial text of a text block.
     */
    record ContentBlockStart(int index, String blockType, String id, String name, String text)
            implements AnthropicEvent { }

    /** {@code deltaType} is text_delta, input_json_delta, thinking_delta, signature_delta, citations_delta...;
     * {@code value} is its text, partial_json or thinking string (null for others). */
    record ContentBlockDelta(int index, String deltaType, String value) implements AnthropicEvent { }

    record ContentBlockStop(int index) implements AnthropicEvent { }

    /** {@code usage} is cumulative (wire-formats §2.4, §8 item 8). */
    record MessageDelta(String stopReason, AnthropicUsage usage) implements AnthropicEvent { }

    record MessageStop() implements AnthropicEvent { }

    record Ping() implements AnthropicEvent { }

    record Error(String errorType, String message) implements AnthropicEvent { }

    /** A type this translator does not know; ignored (wire-formats §2.3: do not crash on new types). */
    record Unknown(String type) implements AnthropicEvent { }

    ObjectMapper MAPPER = new ObjectMapper();

    static AnthropicEvent parse(SseEvent sse) {
        JsonNode n;
        try {
            n = MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(sse.data().duplicate(), false));
        } catch (IOException e) {
            throw new IllegalArgumentException("Anthropic stream event is not JSON: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("Anthropic stream event is not a JSON object");
        }
        String type = n.path("type").asText(sse.event() == null ? "" : sse.event());
        switch (type) {
            case "message_start": {
                JsonNode m = n.path("message");
                return new MessageStart(text(m, "id"), text(m, "model"), AnthropicUsage.of(m.path("usage")));
            }
            case "content_block_start": {
                JsonNode b = n.path("content_block");
                return new ContentBlockStart(n.path("index").asInt(), b.path("type").asText(), text(b, "id"),
                        text(b, "name"), text(b, "text"));
            }
            case "content_block_delta": {
                JsonNode d = n.path("delta");
                String deltaType = d.path("type").asText();
                String value = switch (deltaType) {
                    case "text_delta" -> text(d, "text");
                    case "input_json_delta" -> text(d, "partial_json");
                    case "thinking_delta" -> text(d, "thinking");
                    default -> null;
                };
                return new ContentBlockDelta(n.path("index").asInt(), deltaType, value);
            }
            case "content_block_stop":
                return new ContentBlockStop(n.path("index").asInt());
            case "message_delta":
                return new MessageDelta(text(n.path("delta"), "stop_reason"), AnthropicUsage.of(n.path("usage")));
            case "message_stop":
                return new MessageStop();
            case "ping":
                return new Ping();
            case "error": {
                JsonNode e = n.path("error");
                return new Error(e.path("type").asText("api_error"), e.path("message").asText(""));
            }
            default:
                return new Unknown(type);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }
}
