package dev.junction.translators.messages;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;

/**
 * Renders a canonical answer as an Anthropic {@code Message} (wire-formats §2.3), the shape the
 * Anthropic SDKs parse: content blocks in the order thinking, text, tool_use; the stop reason
 * mapped back from the canonical finish reason; usage in Anthropic's accounting. Every member the
 * SDK types declare is written, {@code null} where Junction has nothing to say.
 *
 * <p>Mappings (the inverse of wire-formats §4.2 and §4.3):
 * <ul>
 *   <li>stop → {@code end_turn}, or {@code tool_use} when the answer calls tools (some vendors
 *       finish a tool call with a plain stop); length → {@code max_tokens}; tool_calls →
 *       {@code tool_use}; content_filter → {@code refusal}.</li>
 *   <li>Reasoning → a {@code thinking} block with the vendor's signature, or {@code ""} when the
 *       vendor gives none (signatures are Anthropic's; a client sends the block back and the gateway
 *       drops it for other vendors). A refusal text → a text block.</li>
 *   <li>{@code input_tokens} excludes cache reads and writes, which go to
 *       {@code cache_read_input_tokens} and {@code cache_creation_input_tokens}.</li>
 *   <li>Tool arguments become the {@code input} object; arguments that are not a JSON object
 *       (a vendor cut off mid-call) cannot be an Anthropic tool input and fail the attempt with
 *       {@code upstream_invalid_response}.</li>
 * </ul>
 * Only the first choice is rendered: a Messages request never asks for more.
 */
public final class MessagesResponseEncoder {

    private MessagesResponseEncoder() {
    }

    /** The {@code Message} body; {@code id} is Junction's {@code msg_…} id, {@code model} the alias. */
    public static ByteBuf encode(ChatResponse r, String id, String model, ByteBufAllocator alloc) {
        ChatResponse.Choice c = r.choices().isEmpty() ? null : r.choices().get(0);
        for (ToolCall call : c == null ? java.util.List.<ToolCall>of() : c.toolCalls()) {
            requireObject(call);
        }
        return NamedEvents.json(alloc, g -> {
            g.writeStartObject();
            g.writeStringField("id", id);
            g.writeStringField("type", "message");
            g.writeStringField("role", "assistant");
            g.writeStringField("model", model);
            g.writeArrayFieldStart("content");
            if (c != null) {
                if (c.reasoning() != null && !c.reasoning().isEmpty()) {
                    g.writeStartObject();
                    g.writeStringField("type", "thinking");
                    g.writeStringField("thinking", c.reasoning());
                    g.writeStringField("signature", c.reasoningSignature() == null ? "" : c.reasoningSignature());
                    g.writeEndObject();
                }
                writeText(g, c.content());
                writeText(g, c.refusal());
                for (ToolCall call : c.toolCalls()) {
                    g.writeStartObject();
                    g.writeStringField("type", "tool_use");
                    g.writeStringField("id", call.id());
                    g.writeStringField("name", call.name());
                    g.writeFieldName("input");
                    String args = call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments();
                    g.writeRawValue(args);
                    g.writeEndObject();
                }
            }
            g.writeEndArray();
            g.writeStringField("stop_reason", stopReason(c == null ? null : c.finishReason(),
                    c != null && !c.toolCalls().isEmpty()));
            g.writeNullField("stop_sequence");
            g.writeFieldName("usage");
            writeUsage(g, r.usage() == null ? Usage.ZERO : r.usage());
            g.writeEndObject();
        });
    }

    /** The {@code count_tokens} answer, {@code {"input_tokens": N}}. */
    public static ByteBuf countTokens(long inputTokens, ByteBufAllocator alloc) {
        return NamedEvents.json(alloc, g -> {
            g.writeStartObject();
            g.writeNumberField("input_tokens", inputTokens);
            g.writeEndObject();
        });
    }

    /** Anthropic's {@code stop_reason} for a canonical finish reason (null: the vendor gave none). */
    public static String stopReason(FinishReason f, boolean calledTools) {
        if (f == null) {
            return calledTools ? "tool_use" : "end_turn";
        }
        return switch (f) {
            case STOP -> calledTools ? "tool_use" : "end_turn";
            case LENGTH -> "max_tokens";
            case TOOL_CALLS -> "tool_use";
            case CONTENT_FILTER -> "refusal";
        };
    }

    /** Anthropic's {@code Usage} object from canonical usage (wire-formats §4.3, inverted). */
    static void writeUsage(JsonGenerator g, Usage u) throws IOException {
        g.writeStartObject();
        g.writeNumberField("input_tokens", inputTokens(u));
        g.writeNumberField("cache_creation_input_tokens", u.cacheWriteTokens());
        g.writeNumberField("cache_read_input_tokens", u.cachedInputTokens());
        g.writeNumberField("output_tokens", u.completionTokens());
        g.writeNullField("cache_creation");
        g.writeNullField("server_tool_use");
        g.writeNullField("service_tier");
        g.writeEndObject();
    }

    static long inputTokens(Usage u) {
        return Math.max(0, u.promptTokens() - u.cachedInputTokens() - u.cacheWriteTokens());
    }

    private static void writeText(JsonGenerator g, String text) throws IOException {
        if (text != null && !text.isEmpty()) {
            g.writeStartObject();
            g.writeStringField("type", "text");
            g.writeStringField("text", text);
            g.writeEndObject();
        }
    }

    /** A tool call's arguments must be one JSON object to be written as Anthropic's {@code input}. */
    private static void requireObject(ToolCall call) {
        String args = call.arguments();
        if (args == null || args.isBlank()) {
            return;
        }
        try (JsonParser p = NamedEvents.FACTORY.createParser(args)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                p.skipChildren();
                if (p.nextToken() == null) {
                    return;
                }
            }
        } catch (IOException e) {
            // fall through: not JSON
        }
        throw new TranslationException(GatewayError.upstreamInvalidResponse(
                "The model's call of tool '" + call.name() + "' has arguments that are not a JSON object, which an"
                        + " Anthropic tool_use block needs as its input."));
    }
}
