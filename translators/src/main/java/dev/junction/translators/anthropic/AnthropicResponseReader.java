package dev.junction.translators.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.FinishReason;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ChatResponse;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic {@code Message} (wire-formats §2.3) → canonical response: text blocks concatenated into
 * content, {@code tool_use} → tool calls (arguments = the input object as JSON text), thinking →
 * reasoning (with the last block's signature), stop reason per §4.2, usage per §4.3. Unknown block types (server tools, citations)
 * are skipped; redacted thinking carries no readable text.
 */
final class AnthropicResponseReader {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AnthropicResponseReader() {
    }

    /**
     * Whether a tool call named "json" is the forced response_format tool: the request asked for
     * JSON output and offered no tools of its own (the writer refuses tools plus the fallback), so
     * any "json" call came from the fallback. With native structured output the model writes text.
     */
    static boolean jsonToolMode(ChatRequest r) {
        return (r.responseFormat() instanceof ResponseFormat.JsonObject
                || r.responseFormat() instanceof ResponseFormat.JsonSchema)
                && (r.tools() == null || r.tools().isEmpty());
    }

    static ChatResponse read(ChatRequest request, ByteBuf body) {
        JsonNode n;
        try {
            n = MAPPER.readTree((java.io.InputStream) new ByteBufInputStream(body.duplicate(), false));
        } catch (IOException e) {
            throw bad("the answer is not JSON (" + e.getMessage() + ")");
        }
        if (n == null || !n.path("content").isArray()) {
            throw bad("the answer has no content array");
        }
        boolean jsonMode = jsonToolMode(request);
        StringBuilder text = new StringBuilder();
        boolean sawText = false;
        StringBuilder reasoning = null;
        String signature = null;
        boolean jsonToolUsed = false;
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : n.get("content")) {
            switch (block.path("type").asText()) {
                case "text" -> {
                    text.append(block.path("text").asText());
                    sawText = true;
                }
                case "tool_use" -> {
                    String name = block.path("name").asText();
                    String args = block.has("input") ? block.get("input").toString() : "{}";
                    if (jsonMode && AnthropicRequestWriter.JSON_TOOL.equals(name)) {
                        text.append(args);
                        sawText = true;
                        jsonToolUsed = true;
                    } else {
                        calls.add(new ToolCall(block.path("id").asText(), name, args));
                    }
                }
                case "thinking" -> {
                    if (reasoning == null) {
                        reasoning = new StringBuilder();
                    }
                    reasoning.append(block.path("thinking").asText());
                    if (block.hasNonNull("signature")) {
                        signature = block.get("signature").asText();
                    }
                }
                default -> { }
            }
        }
        FinishReason finish = AnthropicStopReasons.map(textOrNull(n, "stop_reason"), jsonToolUsed);
        String content = sawText ? text.toString() : calls.isEmpty() ? "" : null;
        ChatResponse.Choice choice = new ChatResponse.Choice(0, content, null,
                reasoning == null ? null : reasoning.toString(), calls, finish, signature);
        return new ChatResponse(textOrNull(n, "id"), textOrNull(n, "model"), List.of(choice),
                AnthropicUsage.of(n.get("usage")).toOpenAi());
    }

    private static String textOrNull(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static TranslationException bad(String what) {
        return new TranslationException(GatewayError.upstreamInvalidResponse(
                "Anthropic sent an answer Junction cannot read: " + what + "."));
    }
}
