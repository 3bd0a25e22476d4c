package dev.junction.translators.openaichat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.stream.Usage;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.passthrough.CompatDialect;
import dev.junction.translators.passthrough.FinishOverride;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * OpenAI {@code chat.completion} (wire-formats §1.4) → canonical response, and the pieces the
 * stream translator shares: finish reasons, usage, reasoning.
 *
 * <ul>
 *   <li>Reasoning is read from {@code message.reasoning_content} (DeepSeek, vLLM) or
 *       {@code message.reasoning} (Groq, OpenRouter, newer vLLM); OpenAI itself sends none.</li>
 *   <li>A finish reason outside OpenAI's set goes to the server's {@link CompatDialect} (renamed,
 *       or the answer is a failure); one no dialect knows is read as {@code stop}, since the
 *       canonical answer has only OpenAI's reasons and the vendor did end the answer.</li>
 *   <li>Usage: {@code prompt_tokens} (with cached and cache-write details), {@code completion_tokens}
 *       (with reasoning details); Groq's {@code x_groq.usage} where the top-level one is missing.</li>
 *   <li>A 2xx body that is an error object ({@code {"error":...}}) is mapped as the vendor error.</li>
 * </ul>
 */
final class OpenAiChatResponseReader {

    static final ObjectMapper MAPPER = new ObjectMapper();

    private OpenAiChatResponseReader() {
    }

    static ChatResponse read(OpenAiChatAdapter adapter, CompatDialect dialect, ByteBuf body) {
        JsonNode n;
        try {
            n = MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(body.duplicate(), false));
        } catch (IOException e) {
            throw bad("the answer is not JSON (" + e.getMessage() + ")");
        }
        if (n == null || !n.isObject()) {
            throw bad("the answer is not a JSON object");
        }
        if (n.has("error") && !n.get("error").isNull() || "error".equals(n.path("object").asText())) {
            throw new TranslationException(adapter.errorFromBody(500, body));
        }
        JsonNode choices = n.get("choices");
        if (choices == null || !choices.isArray()) {
            throw bad("the answer has no choices array");
        }
        List<ChatResponse.Choice> out = new ArrayList<>(choices.size());
        int position = 0;
        for (JsonNode c : choices) {
            int index = c.path("index").isInt() ? c.get("index").asInt() : position;
            position++;
            JsonNode m = c.path("message");
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode tc : m.path("tool_calls")) {
                JsonNode f = tc.path("function");
                String args = text(f, "arguments");
                calls.add(new ToolCall(text(tc, "id"), text(f, "name"), args == null || args.isEmpty() ? "{}" : args));
            }
            String content = text(m, "content");
            if (m.path("content").isArray()) {
                StringBuilder sb = new StringBuilder();
                for (JsonNode part : m.get("content")) {
                    sb.append(part.path("text").asText(""));
                }
                content = sb.toString();
            }
            FinishReason finish = finishReason(dialect, text(c, "finish_reason"), !calls.isEmpty());
            out.add(new ChatResponse.Choice(index, content, text(m, "refusal"), reasoning(m), calls, finish));
        }
        return new ChatResponse(text(n, "id"), text(n, "model"), out, usage(n));
    }

    /** {@code reasoning_content} or {@code reasoning} of a message or delta; null when neither is a non-empty string. */
    static String reasoning(JsonNode m) {
        String r = text(m, "reasoning_content");
        if (r == null || r.isEmpty()) {
            r = text(m, "reasoning");
        }
        return r == null || r.isEmpty() ? null : r;
    }

    /**
     * The canonical finish reason of a vendor reason (null when {@code vendor} is null and no tool
     * was called); a dialect's failure is thrown.
     */
    static FinishReason finishReason(CompatDialect dialect, String vendor, boolean toolCalls) {
        if (vendor == null) {
            return toolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        }
        FinishReason known = known(vendor);
        if (known != null) {
            return known;
        }
        FinishOverride o = dialect.mapsFinishReasons() ? dialect.finishReason(vendor) : null;
        if (o != null && o.error() != null) {
            throw new TranslationException(o.error());
        }
        if (o != null) {
            FinishReason renamed = known(o.reason());
            if (renamed != null) {
                return renamed;
            }
        }
        return toolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP;
    }

    private static FinishReason known(String reason) {
        return switch (reason) {
            case "stop" -> FinishReason.STOP;
            case "length" -> FinishReason.LENGTH;
            case "tool_calls", "function_call" -> FinishReason.TOOL_CALLS;
            case "content_filter" -> FinishReason.CONTENT_FILTER;
            default -> null;
        };
    }

    /** The top-level usage of an answer or chunk, else Groq's {@code x_groq.usage}; null when neither. */
    static Usage usage(JsonNode n) {
        JsonNode u = n.get("usage");
        if (u == null || !u.isObject()) {
            u = n.path("x_groq").get("usage");
        }
        if (u == null || !u.isObject()) {
            return null;
        }
        JsonNode in = u.path("prompt_tokens_details");
        JsonNode out = u.path("completion_tokens_details");
        return new Usage(nonNegative(u.path("prompt_tokens")), nonNegative(u.path("completion_tokens")),
                nonNegative(in.path("cached_tokens")), nonNegative(in.path("cache_write_tokens")),
                nonNegative(out.path("reasoning_tokens")));
    }

    private static long nonNegative(JsonNode v) {
        return v.canConvertToLong() ? Math.max(0, v.asLong()) : 0;
    }

    static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() || !v.isValueNode() ? null : v.asText();
    }

    private static TranslationException bad(String what) {
        return new TranslationException(GatewayError.upstreamInvalidResponse(
                "The OpenAI-shaped provider sent an answer Junction cannot read: " + what + "."));
    }
}
