package dev.junction.translators.anthropic;

import dev.junction.translators.json.SlicedJsonBody;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.model.ToolChoice;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI canonical request → Anthropic {@code POST /v1/messages} (wire-formats §2.1, §2.2, §4.1,
 * §4.4, §4.5, §4.7). A pure function of the request and the target; the body is written with a
 * Jackson generator into a {@link SlicedJsonBody}, so base64 media is spliced in as slices of
 * the client's body rather than copied through strings.
 *
 * <p>Gateway decisions made here:
 * <ul>
 *   <li>System and developer messages are hoisted, in order, into the top-level {@code system}
 *       blocks; one that appears after the conversation started is hoisted too, with a warning
 *       (wire-formats §4.4 option a).</li>
 *   <li>{@code reasoning_effort} becomes {@code thinking.budget_tokens}: minimal 1024, low 2048,
 *       medium 8192, high 16384, xhigh 32768, max 65536, at most half of {@code max_tokens} and never
 *       below Anthropic's minimum of 1024 (so {@code max_tokens} must exceed 2048 to think); {@code none}
 *       sends no thinking. Thinking with a forced tool or a temperature other than 1 is refused, as
 *       Anthropic would refuse it. With the provider option {@code reasoning = effort} it becomes
 *       {@code output_config.effort} instead (minimal → low) for models that take effort.</li>
 *   <li>Reasoning text a client sends back on an assistant message is dropped with a warning:
 *       Anthropic accepts only its own signed thinking blocks (wire-formats §2.2).</li>
 *   <li>{@code response_format} json_schema uses {@code output_config.format} when the provider
 *       option {@code json-schema = native}; otherwise it, and json_object, become a forced tool named
 *       {@code json} whose input is the answer (the response side turns it back into content).</li>
 * </ul>
 */
final class AnthropicRequestWriter {

    static final String VERSION = "2023-06-01";
    static final String JSON_TOOL = "json";
    static final int DEFAULT_MAX_TOKENS = 4096;
    static final int MIN_THINKING_BUDGET = 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Set<String> IMAGE_TYPES = Set.of("image/jpeg", "image/png", "image/gif", "image/webp");
    private static final Map<String, Integer> THINKING_BUDGET = Map.of(
            "minimal", 1024, "low", 2048, "medium", 8192, "high", 16384, "xhigh", 32768, "max", 65536);

    private AnthropicRequestWriter() {
    }

    private static boolean usesJsonTool(ResponseFormat f, Target t) {
        return f instanceof ResponseFormat.JsonObject
                || (f instanceof ResponseFormat.JsonSchema && !"native".equals(t.option("json-schema")));
    }

    static UpstreamRequest write(ChatRequest r, Target t, ByteBufAllocator alloc, Warnings warnings) {
        boolean drop = "drop".equals(t.option("unsupported"));
        validate(r, t);
        AnthropicParameters.enforce(r, drop, warnings);
        List<Turn> turns = turns(r, drop, warnings);
        int maxTokens = maxTokens(r, t, warnings);

        SlicedJsonBody out = new SlicedJsonBody(alloc);
        boolean ok = false;
        try {
            try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("model", t.model());
                g.writeNumberField("max_tokens", maxTokens);
                writeSystem(g, r);
                g.writeArrayFieldStart("messages");
                for (Turn turn : turns) {
                    g.writeStartObject();
                    g.writeStringField("role", turn.role);
                    g.writeArrayFieldStart("content");
                    for (Block b : turn.blocks) {
                        b.write(g, out);
                    }
                    g.writeEndArray();
                    g.writeEndObject();
                }
                g.writeEndArray();
                if (r.stop() != null && !r.stop().isEmpty()) {
                    g.writeArrayFieldStart("stop_sequences");
                    for (String s : r.stop()) {
                        g.writeString(s);
                    }
                    g.writeEndArray();
                }
                if (r.temperature() != null) {
                    g.writeNumberField("temperature", r.temperature());
                }
                if (r.topP() != null) {
                    g.writeNumberField("top_p", r.topP());
                }
                if (r.topK() != null) {
                    g.writeNumberField("top_k", r.topK());
                }
                writeTools(g, r, t);
                writeReasoningAndFormat(g, r, t, maxTokens);
                String userId = r.user() != null ? r.user() : text(r.extra().get("safety_identifier"));
                if (userId != null) {
                    g.writeObjectFieldStart("metadata");
                    g.writeStringField("user_id", userId);
                    g.writeEndObject();
                }
                if (r.stream()) {
                    g.writeBooleanField("stream", true);
                }
                g.writeEndObject();
            }
            ok = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!ok) {
                out.discard();
            }
        }
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        headers.add(Map.entry("x-api-key", t.apiKey()));
        headers.add(Map.entry("anthropic-version", VERSION));
        headers.add(Map.entry("content-type", "application/json"));
        t.headers().forEach((k, v) -> headers.add(Map.entry(k, v)));
        return new UpstreamRequest("POST", "/v1/messages", headers, out.finish(), r.stream());
    }

    // ---- validation that no policy can relax ---------------------------------------------------

    private static void validate(ChatRequest r, Target t) {
        if (r.n() != null && r.n() > 1) {
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", "n",
                    "Anthropic returns one choice per request; 'n' = " + r.n() + " cannot be sent to it."));
        }
        if (r.temperature() != null && r.temperature() > 1.0) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", "temperature",
                    "'temperature' must be between 0 and 1 for Anthropic models, got " + r.temperature()
                            + ". Send a value of at most 1 (Junction does not rescale it)."));
        }
        boolean hasTools = r.tools() != null && !r.tools().isEmpty();
        if (!hasTools && (r.toolChoice() instanceof ToolChoice.Required || r.toolChoice() instanceof ToolChoice.Named)) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", "tool_choice",
                    "'tool_choice' requires a tool but 'tools' is empty."));
        }
        if (r.toolChoice() instanceof ToolChoice.Named named && hasTools
                && r.tools().stream().noneMatch(tool -> tool.name().equals(named.name()))) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", "tool_choice.function.name",
                    "'tool_choice' names '" + named.name() + "', which is not in 'tools'."));
        }
        if (hasTools && usesJsonTool(r.responseFormat(), t)) {
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", "response_format",
                    "This Anthropic deployment produces JSON output through a forced tool, which cannot be combined"
                            + " with your own 'tools'. Drop 'response_format' or 'tools', or use a deployment whose"
                            + " json-schema option is native."));
        }
        if (r.reasoningEffort() != null && !r.reasoningEffort().equals("none")
                && !THINKING_BUDGET.containsKey(r.reasoningEffort())) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", "reasoning_effort",
                    "'reasoning_effort' is '" + r.reasoningEffort()
                            + "'; expected none, minimal, low, medium, high, xhigh or max."));
        }
        if (thinkingBudgetMode(r, t)) {
            // Extended thinking is incompatible with forced tool use and with a modified temperature
            // (Anthropic "Building with extended thinking", feature compatibility): say so up front
            // rather than let the vendor's 400 arrive after a round trip.
            boolean forced = r.toolChoice() instanceof ToolChoice.Required || r.toolChoice() instanceof ToolChoice.Named
                    || usesJsonTool(r.responseFormat(), t);
            if (forced) {
                throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", "reasoning_effort",
                        "Anthropic cannot think while a tool is forced (tool_choice required or named, or"
                                + " response_format through the forced json tool). Drop 'reasoning_effort' or the forcing."));
            }
            if (r.temperature() != null && r.temperature() != 1.0) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_value", "temperature",
                        "Anthropic requires temperature 1 (or none) when thinking is enabled by 'reasoning_effort'; got "
                                + r.temperature() + "."));
            }
        }
    }

    private static boolean thinkingBudgetMode(ChatRequest r, Target t) {
        return r.reasoningBudget() != null || r.reasoningEffort() != null && !r.reasoningEffort().equals("none")
                && !"effort".equals(t.option("reasoning"));
    }

    private static int maxTokens(ChatRequest r, Target t, Warnings warnings) {
        if (r.maxTokens() != null) {
            return r.maxTokens();
        }
        String catalog = t.option("max-output");
        if (catalog != null) {
            try {
                return Integer.parseInt(catalog.trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException("provider option max-output is not an integer: " + catalog, e);
            }
        }
        warnings.add("max_tokens not sent and the model's maximum output is unknown: sent max_tokens = "
                + DEFAULT_MAX_TOKENS + " to Anthropic, which requires it");
        return DEFAULT_MAX_TOKENS;
    }

    // ---- system and messages ------------------------------------------------------------------

    private static void writeSystem(JsonGenerator g, ChatRequest r) throws IOException {
        boolean any = false;
        for (Message m : r.messages()) {
            if (m instanceof Message.System s) {
                for (ContentPart p : s.content()) {
                    String text = ((ContentPart.Text) p).text();
                    if (text.isEmpty()) {
                        continue;
                    }
                    if (!any) {
                        g.writeArrayFieldStart("system");
                        any = true;
                    }
                    g.writeStartObject();
                    g.writeStringField("type", "text");
                    g.writeStringField("text", text);
                    g.writeEndObject();
                }
            }
        }
        if (any) {
            g.writeEndArray();
        }
    }

    /** A merged Anthropic turn. */
    private record Turn(String role, List<Block> blocks) {
    }

    /** One content block to write; media blocks splice the client's bytes. */
    private interface Block {
        void write(JsonGenerator g, SlicedJsonBody out) throws IOException;
    }

    /**
     * Roles and merging (wire-formats §4.5): user → user, assistant → assistant, tool → a user turn
     * of {@code tool_result} blocks; consecutive turns of one role are concatenated, so consecutive
     * tool results share one user message and come before any user text that follows them.
     */
    private static List<Turn> turns(ChatRequest r, boolean drop, Warnings warnings) {
        List<Turn> turns = new ArrayList<>();
        boolean conversationStarted = false;
        List<Message> messages = r.messages();
        for (int i = 0; i < messages.size(); i++) {
            Message m = messages.get(i);
            String param = "messages[" + i + "]";
            String role;
            List<Block> blocks = new ArrayList<>();
            if (m instanceof Message.System s) {
                if (s.name() != null) {
                    AnthropicParameters.unsupported(param + ".name", drop, warnings);
                }
                if (conversationStarted) {
                    warnings.add("the " + (s.developer() ? "developer" : "system") + " message at " + param
                            + " was moved into Anthropic's top-level system prompt");
                }
                continue;
            } else if (m instanceof Message.User u) {
                role = "user";
                if (u.name() != null) {
                    AnthropicParameters.unsupported(param + ".name", drop, warnings);
                }
                List<ContentPart> content = u.content();
                for (int j = 0; j < content.size(); j++) {
                    Block b = userBlock(content.get(j), param + ".content[" + j + "]");
                    if (b != null) {
                        blocks.add(b);
                    }
                }
            } else if (m instanceof Message.Assistant a) {
                role = "assistant";
                if (a.name() != null) {
                    AnthropicParameters.unsupported(param + ".name", drop, warnings);
                }
                if (a.reasoning() != null) {
                    warnings.add("dropped " + param + ".reasoning_content: Anthropic accepts only its own"
                            + " signed thinking blocks");
                }
                for (ContentPart p : a.content()) {
                    String text = p instanceof ContentPart.Text t ? t.text() : ((ContentPart.Refusal) p).refusal();
                    if (!text.isEmpty()) {
                        blocks.add(textBlock(text));
                    }
                }
                List<ToolCall> calls = a.toolCalls();
                for (int j = 0; j < calls.size(); j++) {
                    blocks.add(toolUse(calls.get(j), param + ".tool_calls[" + j + "].function.arguments"));
                }
            } else {
                role = "user";
                blocks.add(toolResult((Message.Tool) m));
            }
            conversationStarted = true;
            if (blocks.isEmpty()) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_value", param + ".content",
                        "'" + param + ".content' is empty; Anthropic needs at least one non-empty text, image or"
                                + " tool block in every message."));
            }
            Turn last = turns.isEmpty() ? null : turns.get(turns.size() - 1);
            if (last != null && last.role.equals(role)) {
                last.blocks.addAll(blocks);
            } else {
                turns.add(new Turn(role, blocks));
            }
        }
        if (turns.isEmpty()) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", "messages",
                    "'messages' holds only system/developer messages; Anthropic needs at least one user message."));
        }
        return turns;
    }

    private static Block userBlock(ContentPart part, String param) {
        if (part instanceof ContentPart.Text t) {
            return t.text().isEmpty() ? null : textBlock(t.text());
        }
        if (part instanceof ContentPart.Image img) {
            return imageBlock(img.source(), param + ".image_url.url");
        }
        if (part instanceof ContentPart.File f) {
            return documentBlock(f.source(), param + ".file");
        }
        if (part instanceof ContentPart.Audio) {
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", param,
                    "Anthropic models do not accept audio input (" + param + ")."));
        }
        throw new IllegalStateException("refusal part in a user message");
    }

    private static Block textBlock(String text) {
        return (g, out) -> {
            g.writeStartObject();
            g.writeStringField("type", "text");
            g.writeStringField("text", text);
            g.writeEndObject();
        };
    }

    private static Block imageBlock(MediaSource source, String param) {
        if (source instanceof MediaSource.Inline in) {
            if (!IMAGE_TYPES.contains(in.mimeType())) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_value", param,
                        "Anthropic accepts image/jpeg, image/png, image/gif and image/webp; " + param + " is "
                                + in.mimeType() + "."));
            }
            return (g, out) -> base64Block(g, out, "image", in.mimeType(), in.base64());
        }
        if (source instanceof MediaSource.Url url) {
            return urlBlock("image", url.url());
        }
        throw fileIdUnsupported(param);
    }

    private static Block documentBlock(MediaSource source, String param) {
        if (source instanceof MediaSource.Inline in) {
            if (!in.mimeType().equals("application/pdf")) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_value", param + ".file_data",
                        "Anthropic accepts PDF documents (application/pdf); " + param + " is " + in.mimeType() + "."));
            }
            return (g, out) -> base64Block(g, out, "document", in.mimeType(), in.base64());
        }
        if (source instanceof MediaSource.Url url) {
            return urlBlock("document", url.url());
        }
        throw fileIdUnsupported(param + ".file_id");
    }

    private static Block urlBlock(String type, String url) {
        return (g, out) -> {
            g.writeStartObject();
            g.writeStringField("type", type);
            g.writeObjectFieldStart("source");
            g.writeStringField("type", "url");
            g.writeStringField("url", url);
            g.writeEndObject();
            g.writeEndObject();
        };
    }

    private static TranslationException fileIdUnsupported(String param) {
        return new TranslationException(GatewayError.invalidRequest("unsupported_capability", param,
                "OpenAI file ids cannot be sent to Anthropic; send the file inline as a data URL."));
    }

    /**
     * {@code {"type":<type>,"source":{"type":"base64","media_type":<mime>,"data":"<slice>"}}}: the
     * quote is written as a raw value so the generator knows a value was written, the generated
     * bytes are flushed, and the base64 bytes are spliced in as a slice of the client's body.
     */
    private static void base64Block(JsonGenerator g, SlicedJsonBody out, String type, String mime, ByteSpan data)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("type", type);
        g.writeObjectFieldStart("source");
        g.writeStringField("type", "base64");
        g.writeStringField("media_type", mime);
        g.writeFieldName("data");
        g.writeRawValue("\"");
        g.flush();
        out.appendSlice(data.slice().retain());
        g.writeRaw('"');
        g.writeEndObject();
        g.writeEndObject();
    }

    private static Block toolUse(ToolCall call, String param) {
        JsonNode input;
        try {
            input = MAPPER.readTree(call.arguments());
        } catch (IOException e) {
            input = null;
        }
        if (input == null || !input.isObject()) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", param,
                    "'" + param + "' must be a JSON object in text form (Anthropic needs the tool input as an"
                            + " object); got: " + abbreviate(call.arguments())));
        }
        JsonNode parsed = input;
        return (g, out) -> {
            g.writeStartObject();
            g.writeStringField("type", "tool_use");
            g.writeStringField("id", call.id());
            g.writeStringField("name", call.name());
            g.writeFieldName("input");
            MAPPER.writeTree(g, parsed);
            g.writeEndObject();
        };
    }

    private static Block toolResult(Message.Tool tool) {
        return (g, out) -> {
            g.writeStartObject();
            g.writeStringField("type", "tool_result");
            g.writeStringField("tool_use_id", tool.toolCallId());
            if (tool.error()) {
                g.writeBooleanField("is_error", true);
            }
            List<ContentPart> content = tool.content();
            if (content.size() == 1) {
                g.writeStringField("content", ((ContentPart.Text) content.get(0)).text());
            } else {
                g.writeArrayFieldStart("content");
                for (ContentPart p : content) {
                    String text = ((ContentPart.Text) p).text();
                    if (!text.isEmpty()) {
                        textBlock(text).write(g, out);
                    }
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        };
    }

    // ---- tools, reasoning, structured output ---------------------------------------------------

    private static void writeTools(JsonGenerator g, ChatRequest r, Target t) throws IOException {
        boolean jsonTool = usesJsonTool(r.responseFormat(), t);
        boolean hasTools = r.tools() != null && !r.tools().isEmpty();
        if (jsonTool) {
            g.writeArrayFieldStart("tools");
            g.writeStartObject();
            g.writeStringField("name", JSON_TOOL);
            JsonNode schema = null;
            String description = "Respond with a JSON object.";
            if (r.responseFormat() instanceof ResponseFormat.JsonSchema js) {
                schema = js.schema();
                if (js.description() != null) {
                    description = js.description();
                }
            }
            g.writeStringField("description", description);
            g.writeFieldName("input_schema");
            if (schema != null) {
                MAPPER.writeTree(g, schema);
            } else {
                g.writeStartObject();
                g.writeStringField("type", "object");
                g.writeBooleanField("additionalProperties", true);
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndArray();
            g.writeObjectFieldStart("tool_choice");
            g.writeStringField("type", "tool");
            g.writeStringField("name", JSON_TOOL);
            g.writeEndObject();
            return;
        }
        if (!hasTools) {
            return;
        }
        g.writeArrayFieldStart("tools");
        for (Tool tool : r.tools()) {
            g.writeStartObject();
            g.writeStringField("name", tool.name());
            if (tool.description() != null) {
                g.writeStringField("description", tool.description());
            }
            g.writeFieldName("input_schema");
            if (tool.parameters() != null) {
                MAPPER.writeTree(g, tool.parameters());
            } else {
                // Anthropic requires an object schema at the root (wire-formats §4.1).
                g.writeStartObject();
                g.writeStringField("type", "object");
                g.writeObjectFieldStart("properties");
                g.writeEndObject();
                g.writeEndObject();
            }
            if (tool.strict() != null) {
                g.writeBooleanField("strict", tool.strict());
            }
            g.writeEndObject();
        }
        g.writeEndArray();
        boolean noParallel = Boolean.FALSE.equals(r.parallelToolCalls());
        ToolChoice choice = r.toolChoice();
        if (choice == null && !noParallel) {
            return;
        }
        g.writeObjectFieldStart("tool_choice");
        if (choice == null || choice instanceof ToolChoice.Auto) {
            g.writeStringField("type", "auto");
        } else if (choice instanceof ToolChoice.None) {
            g.writeStringField("type", "none");
        } else if (choice instanceof ToolChoice.Required) {
            g.writeStringField("type", "any");
        } else {
            g.writeStringField("type", "tool");
            g.writeStringField("name", ((ToolChoice.Named) choice).name());
        }
        if (noParallel && !(choice instanceof ToolChoice.None)) {
            g.writeBooleanField("disable_parallel_tool_use", true);
        }
        g.writeEndObject();
    }

    private static void writeReasoningAndFormat(JsonGenerator g, ChatRequest r, Target t, int maxTokens)
            throws IOException {
        String effort = r.reasoningEffort();
        boolean effortMode = effort != null && !effort.equals("none") && "effort".equals(t.option("reasoning"));
        if (r.reasoningBudget() != null) {
            int budget = r.reasoningBudget();
            if (budget < MIN_THINKING_BUDGET || budget >= maxTokens) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_value", "thinking.budget_tokens",
                        "Anthropic thinking needs a budget of at least " + MIN_THINKING_BUDGET
                                + " tokens and below max_tokens (" + maxTokens + "); got " + budget + "."));
            }
            g.writeObjectFieldStart("thinking");
            g.writeStringField("type", "enabled");
            g.writeNumberField("budget_tokens", budget);
            g.writeEndObject();
        } else if (thinkingBudgetMode(r, t)) {
            int budget = Math.min(THINKING_BUDGET.get(effort), maxTokens / 2);
            if (budget < MIN_THINKING_BUDGET) {
                throw new TranslationException(GatewayError.invalidRequest("invalid_value", "reasoning_effort",
                        "Anthropic thinking needs a budget of at least " + MIN_THINKING_BUDGET
                                + " tokens below max_tokens; raise max_tokens above " + (2 * MIN_THINKING_BUDGET)
                                + " (it is " + maxTokens + ") or drop 'reasoning_effort'."));
            }
            g.writeObjectFieldStart("thinking");
            g.writeStringField("type", "enabled");
            g.writeNumberField("budget_tokens", budget);
            g.writeEndObject();
        }
        boolean nativeSchema = r.responseFormat() instanceof ResponseFormat.JsonSchema && !usesJsonTool(r.responseFormat(), t);
        if (!effortMode && !nativeSchema) {
            return;
        }
        g.writeObjectFieldStart("output_config");
        if (effortMode) {
            g.writeStringField("effort", effort.equals("minimal") ? "low" : effort);
        }
        if (nativeSchema) {
            ResponseFormat.JsonSchema js = (ResponseFormat.JsonSchema) r.responseFormat();
            g.writeObjectFieldStart("format");
            g.writeStringField("type", "json_schema");
            g.writeFieldName("schema");
            if (js.schema() != null) {
                MAPPER.writeTree(g, js.schema());
            } else {
                g.writeStartObject();
                g.writeStringField("type", "object");
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }

    private static String text(JsonNode n) {
        return n != null && n.isTextual() ? n.asText() : null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
