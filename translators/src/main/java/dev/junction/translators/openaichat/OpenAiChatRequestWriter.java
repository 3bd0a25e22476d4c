package dev.junction.translators.openaichat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.junction.stream.GatewayError;
import dev.junction.translators.json.SlicedJsonBody;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.model.ToolChoice;
import dev.junction.translators.passthrough.BodyEdit;
import dev.junction.translators.passthrough.CompatDialect;
import dev.junction.translators.passthrough.CompatDialects;
import dev.junction.translators.passthrough.OpenAiBodyRewriter;
import dev.junction.translators.passthrough.OpenAiPassThrough;
import dev.junction.translators.passthrough.OpenAiRequestFacts;
import dev.junction.translators.passthrough.OpenAiRequestScanner;
import dev.junction.translators.spi.Target;
import dev.junction.translators.spi.TranslationException;
import dev.junction.translators.spi.UpstreamRequest;
import dev.junction.translators.spi.Warnings;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Canonical request → OpenAI {@code POST /chat/completions} (wire-formats §1.2, §1.3), for a request
 * that came in by another door (Anthropic Messages, OpenAI Responses) and goes to an OpenAI-shaped
 * vendor. A pure function of the request and the target; the body is written with a Jackson
 * generator into a {@link SlicedJsonBody}, so inline media is spliced in as slices of the client's
 * body (DESIGN house rule 5).
 *
 * <p>Gateway decisions made here:
 * <ul>
 *   <li>The output limit is sent as {@code max_completion_tokens} to OpenAI and Azure (the field
 *       every current model takes; {@code max_tokens} is refused by reasoning models, §1.2) and as
 *       {@code max_tokens} to OpenAI-compatible servers (the field all of them take).</li>
 *   <li>A stream always asks for the final usage chunk ({@code stream_options.include_usage}, SPEC
 *       §5) unless the provider option {@code stream-usage = false} says the server rejects it.</li>
 *   <li>Fields chat completions has no place for are refused with {@code unsupported_capability},
 *       or dropped with a warning under the {@code unsupported = drop} policy: {@code top_k}, and
 *       top-level fields of other doors kept in {@code extra} that are not chat fields.
 *       {@code metadata} is dropped with a warning: OpenAI takes it on chat completions only with
 *       {@code store}, which Junction never sets on a vendor.</li>
 *   <li>A thinking budget in tokens (Anthropic's {@code thinking.budget_tokens}) becomes
 *       {@code reasoning_effort} (below 4096 low, below 16384 medium, else high), with a warning
 *       saying so.</li>
 *   <li>Reasoning text sent back on an assistant turn is dropped with a warning (chat completions
 *       takes none), and so is a tool result's error flag (chat has no field for it).</li>
 *   <li>An OpenAI-compatible server's dialect ({@link CompatDialect}) applies to the written body
 *       exactly as it does to a passed-through one: Mistral's tool-call ids, Ollama's refusals.</li>
 * </ul>
 */
final class OpenAiChatRequestWriter {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** Chat completion fields another door may carry in {@code extra}; sent as they are. */
    static final Set<String> EXTRA_CHAT_FIELDS = Set.of("verbosity", "service_tier", "prompt_cache_key",
            "prompt_cache_retention", "safety_identifier", "logprobs", "top_logprobs", "logit_bias", "prediction",
            "modalities", "audio", "web_search_options");

    private static final OpenAiRequestScanner SCANNER = new OpenAiRequestScanner(256, Integer.MAX_VALUE);

    private OpenAiChatRequestWriter() {
    }

    static UpstreamRequest write(OpenAiPassThrough vendor, ChatRequest r, Target t, ByteBufAllocator alloc,
                                 Warnings warnings) {
        boolean drop = "drop".equals(t.option("unsupported"));
        boolean compatible = "openai-compatible".equals(vendor.type());
        checkToolChoice(r);
        if (r.topK() != null) {
            unsupported("top_k", vendor, drop, warnings);
        }
        for (Map.Entry<String, JsonNode> e : r.extra().entrySet()) {
            if (!EXTRA_CHAT_FIELDS.contains(e.getKey()) && !inert(e.getValue())) {
                unsupported(e.getKey(), vendor, drop, warnings);
            }
        }
        if (r.metadata() != null && !r.metadata().isEmpty()) {
            warnings.add("dropped 'metadata': chat completions keeps metadata only for stored completions,"
                    + " and Junction does not store them at the vendor");
        }
        String effort = effort(r, warnings);
        boolean streamUsage = !"false".equalsIgnoreCase(t.option("stream-usage"));

        SlicedJsonBody out = new SlicedJsonBody(alloc);
        ByteBuf body;
        boolean ok = false;
        try {
            try (JsonGenerator g = MAPPER.getFactory().createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField("model", t.model());
                g.writeArrayFieldStart("messages");
                List<Message> messages = r.messages();
                for (int i = 0; i < messages.size(); i++) {
                    writeMessage(g, out, messages.get(i), "messages[" + i + "]", warnings);
                }
                g.writeEndArray();
                if (r.temperature() != null) {
                    g.writeNumberField("temperature", r.temperature());
                }
                if (r.topP() != null) {
                    g.writeNumberField("top_p", r.topP());
                }
                if (r.n() != null) {
                    g.writeNumberField("n", r.n());
                }
                if (r.stop() != null && !r.stop().isEmpty()) {
                    g.writeArrayFieldStart("stop");
                    for (String s : r.stop()) {
                        g.writeString(s);
                    }
                    g.writeEndArray();
                }
                if (r.maxTokens() != null) {
                    g.writeNumberField(compatible ? "max_tokens" : "max_completion_tokens", r.maxTokens());
                }
                if (r.seed() != null) {
                    g.writeNumberField("seed", r.seed());
                }
                if (r.presencePenalty() != null) {
                    g.writeNumberField("presence_penalty", r.presencePenalty());
                }
                if (r.frequencyPenalty() != null) {
                    g.writeNumberField("frequency_penalty", r.frequencyPenalty());
                }
                writeTools(g, r);
                writeResponseFormat(g, r.responseFormat());
                if (effort != null) {
                    g.writeStringField("reasoning_effort", effort);
                }
                if (r.user() != null) {
                    g.writeStringField("user", r.user());
                }
                for (Map.Entry<String, JsonNode> e : r.extra().entrySet()) {
                    if (EXTRA_CHAT_FIELDS.contains(e.getKey())) {
                        g.writeFieldName(e.getKey());
                        MAPPER.writeTree(g, e.getValue());
                    }
                }
                if (r.stream()) {
                    g.writeBooleanField("stream", true);
                    if (streamUsage) {
                        g.writeObjectFieldStart("stream_options");
                        g.writeBooleanField("include_usage", true);
                        g.writeEndObject();
                    }
                }
                g.writeEndObject();
            }
            body = out.finish();
            ok = true;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!ok) {
                out.discard();
            }
        }
        body = applyDialect(vendor, body, t, warnings, alloc);
        return new UpstreamRequest("POST", vendor.path(t, "/chat/completions"), vendor.headers(t), body,
                r.stream());
    }

    /**
     * The server dialect's splices over the written body (the same code the pass-through path runs
     * on a client's body). The generic dialect costs nothing; a refusal releases the body.
     */
    private static ByteBuf applyDialect(OpenAiPassThrough vendor, ByteBuf body, Target t, Warnings warnings,
                                       ByteBufAllocator alloc) {
        CompatDialect dialect = vendor.dialect(t);
        if (dialect == CompatDialects.GENERIC) {
            return body;
        }
        try {
            OpenAiRequestFacts facts = SCANNER.scan(body, false);
            List<BodyEdit> edits = dialect.requestEdits(body, facts, t, warnings);
            if (edits.isEmpty()) {
                ByteBuf same = body;
                body = null;
                return same;
            }
            return OpenAiBodyRewriter.rewrite(body, facts, t.model(), false, edits, alloc);
        } finally {
            if (body != null) {
                body.release();
            }
        }
    }

    // ---- validation ---------------------------------------------------------------------------

    private static void checkToolChoice(ChatRequest r) {
        boolean hasTools = r.tools() != null && !r.tools().isEmpty();
        if (!hasTools && (r.toolChoice() instanceof ToolChoice.Required || r.toolChoice() instanceof ToolChoice.Named)) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", "tool_choice",
                    "'tool_choice' requires a tool but 'tools' is empty."));
        }
        if (r.toolChoice() instanceof ToolChoice.Named named && hasTools
                && r.tools().stream().noneMatch(tool -> tool.name().equals(named.name()))) {
            throw new TranslationException(GatewayError.invalidRequest("invalid_value", "tool_choice",
                    "'tool_choice' names '" + named.name() + "', which is not in 'tools'."));
        }
    }

    private static String effort(ChatRequest r, Warnings warnings) {
        if (r.reasoningEffort() != null) {
            return r.reasoningEffort();
        }
        if (r.reasoningBudget() == null) {
            return null;
        }
        int budget = r.reasoningBudget();
        String effort = budget < 4096 ? "low" : budget < 16384 ? "medium" : "high";
        warnings.add("thinking budget of " + budget + " tokens sent as reasoning_effort '" + effort
                + "': chat completions takes an effort, not a budget");
        return effort;
    }

    static void unsupported(String field, OpenAiPassThrough vendor, boolean drop, Warnings warnings) {
        if (drop) {
            warnings.add("dropped '" + field + "': chat completions (provider type " + vendor.type()
                    + ") has no such field");
            return;
        }
        throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", field,
                "'" + field + "' has no equivalent in the chat completions API of provider type " + vendor.type()
                        + ". Remove it from the request, or set the provider option unsupported = drop to have"
                        + " Junction drop it with a warning."));
    }

    private static boolean inert(JsonNode v) {
        return v == null || v.isNull() || (v.isBoolean() && !v.booleanValue())
                || (v.isContainerNode() && v.isEmpty());
    }

    // ---- messages -----------------------------------------------------------------------------

    private static void writeMessage(JsonGenerator g, SlicedJsonBody out, Message m, String param, Warnings warnings)
            throws IOException {
        g.writeStartObject();
        if (m instanceof Message.System s) {
            g.writeStringField("role", s.developer() ? "developer" : "system");
            writeTextContent(g, s.content());
            if (s.name() != null) {
                g.writeStringField("name", s.name());
            }
        } else if (m instanceof Message.User u) {
            g.writeStringField("role", "user");
            writeUserContent(g, out, u.content(), param);
            if (u.name() != null) {
                g.writeStringField("name", u.name());
            }
        } else if (m instanceof Message.Assistant a) {
            g.writeStringField("role", "assistant");
            writeAssistant(g, a);
            if (a.reasoning() != null) {
                warnings.add("dropped " + param + " reasoning: chat completions takes no reasoning on earlier turns");
            }
        } else {
            Message.Tool tool = (Message.Tool) m;
            g.writeStringField("role", "tool");
            g.writeStringField("tool_call_id", tool.toolCallId());
            writeTextContent(g, tool.content());
            if (tool.error()) {
                warnings.add("the error flag of " + param + " (a failed tool call) has no place in chat"
                        + " completions; sent as an ordinary tool result");
            }
        }
        g.writeEndObject();
    }

    /** Text-only content: one string when it is one part, else text parts. */
    private static void writeTextContent(JsonGenerator g, List<ContentPart> parts) throws IOException {
        if (parts.size() == 1 && parts.get(0) instanceof ContentPart.Text t) {
            g.writeStringField("content", t.text());
            return;
        }
        g.writeArrayFieldStart("content");
        for (ContentPart p : parts) {
            g.writeStartObject();
            g.writeStringField("type", "text");
            g.writeStringField("text", p instanceof ContentPart.Text t ? t.text() : ((ContentPart.Refusal) p).refusal());
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeUserContent(JsonGenerator g, SlicedJsonBody out, List<ContentPart> parts, String param)
            throws IOException {
        if (parts.size() == 1 && parts.get(0) instanceof ContentPart.Text t) {
            g.writeStringField("content", t.text());
            return;
        }
        g.writeArrayFieldStart("content");
        for (int i = 0; i < parts.size(); i++) {
            ContentPart p = parts.get(i);
            g.writeStartObject();
            if (p instanceof ContentPart.Text t) {
                g.writeStringField("type", "text");
                g.writeStringField("text", t.text());
            } else if (p instanceof ContentPart.Image img) {
                g.writeStringField("type", "image_url");
                g.writeObjectFieldStart("image_url");
                g.writeFieldName("url");
                writeUrlOrData(g, out, img.source(), param + ".content[" + i + "]");
                if (img.detail() != null) {
                    g.writeStringField("detail", img.detail());
                }
                g.writeEndObject();
            } else if (p instanceof ContentPart.Audio audio) {
                if (!(audio.source() instanceof MediaSource.Inline in)) {
                    throw new TranslationException(GatewayError.invalidRequest("invalid_value",
                            param + ".content[" + i + "]", "Audio input must be inline base64 data."));
                }
                g.writeStringField("type", "input_audio");
                g.writeObjectFieldStart("input_audio");
                g.writeFieldName("data");
                splice(g, out, "", in.base64());
                g.writeStringField("format", audio.format());
                g.writeEndObject();
            } else if (p instanceof ContentPart.File f) {
                g.writeStringField("type", "file");
                g.writeObjectFieldStart("file");
                if (f.filename() != null) {
                    g.writeStringField("filename", f.filename());
                }
                if (f.source() instanceof MediaSource.FileId id) {
                    g.writeStringField("file_id", id.id());
                } else if (f.source() instanceof MediaSource.Inline) {
                    g.writeFieldName("file_data");
                    writeUrlOrData(g, out, f.source(), param + ".content[" + i + "]");
                } else {
                    throw new TranslationException(GatewayError.invalidRequest("unsupported_capability",
                            param + ".content[" + i + "]", "Chat completions takes a file as inline data or a file"
                                    + " id, not as a URL; send the file inline."));
                }
                g.writeEndObject();
            } else {
                throw new IllegalStateException("refusal part in a user message");
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void writeUrlOrData(JsonGenerator g, SlicedJsonBody out, MediaSource source, String param)
            throws IOException {
        if (source instanceof MediaSource.Inline in) {
            splice(g, out, "data:" + in.mimeType() + ";base64,", in.base64());
        } else if (source instanceof MediaSource.Url url) {
            g.writeString(url.url());
        } else {
            throw new TranslationException(GatewayError.invalidRequest("unsupported_capability", param,
                    "An image given by file id cannot be sent to chat completions; send it inline or as a URL."));
        }
    }

    /**
     * A JSON string value made of {@code prefix} and the client's base64 bytes: the opening quote
     * and prefix are written as a raw value so the generator knows a value was written, the
     * generated bytes are flushed, and the base64 bytes are spliced in as a slice.
     */
    private static void splice(JsonGenerator g, SlicedJsonBody out, String prefix, ByteSpan data) throws IOException {
        g.writeRawValue("\"" + new String(JsonStringEncoder.getInstance().quoteAsUTF8(prefix), StandardCharsets.UTF_8));
        g.flush();
        out.appendSlice(data.slice().retain());
        g.writeRaw('"');
    }

    private static void writeAssistant(JsonGenerator g, Message.Assistant a) throws IOException {
        StringBuilder text = new StringBuilder();
        StringBuilder refusal = null;
        for (ContentPart p : a.content()) {
            if (p instanceof ContentPart.Text t) {
                text.append(t.text());
            } else if (p instanceof ContentPart.Refusal r) {
                refusal = refusal == null ? new StringBuilder() : refusal;
                refusal.append(r.refusal());
            }
        }
        if (text.length() > 0 || a.toolCalls().isEmpty()) {
            g.writeStringField("content", text.toString());
        } else {
            g.writeNullField("content");
        }
        if (refusal != null) {
            g.writeStringField("refusal", refusal.toString());
        }
        if (!a.toolCalls().isEmpty()) {
            g.writeArrayFieldStart("tool_calls");
            for (ToolCall c : a.toolCalls()) {
                g.writeStartObject();
                g.writeStringField("id", c.id());
                g.writeStringField("type", "function");
                g.writeObjectFieldStart("function");
                g.writeStringField("name", c.name());
                g.writeStringField("arguments", c.arguments() == null || c.arguments().isEmpty() ? "{}" : c.arguments());
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        if (a.name() != null) {
            g.writeStringField("name", a.name());
        }
    }

    // ---- tools and structured output ----------------------------------------------------------

    private static void writeTools(JsonGenerator g, ChatRequest r) throws IOException {
        if (r.tools() != null && !r.tools().isEmpty()) {
            g.writeArrayFieldStart("tools");
            for (Tool tool : r.tools()) {
                g.writeStartObject();
                g.writeStringField("type", "function");
                g.writeObjectFieldStart("function");
                g.writeStringField("name", tool.name());
                if (tool.description() != null) {
                    g.writeStringField("description", tool.description());
                }
                if (tool.parameters() != null) {
                    g.writeFieldName("parameters");
                    MAPPER.writeTree(g, tool.parameters());
                }
                if (tool.strict() != null) {
                    g.writeBooleanField("strict", tool.strict());
                }
                g.writeEndObject();
                g.writeEndObject();
            }
            g.writeEndArray();
        }
        ToolChoice choice = r.toolChoice();
        if (choice instanceof ToolChoice.Auto) {
            g.writeStringField("tool_choice", "auto");
        } else if (choice instanceof ToolChoice.None) {
            g.writeStringField("tool_choice", "none");
        } else if (choice instanceof ToolChoice.Required) {
            g.writeStringField("tool_choice", "required");
        } else if (choice instanceof ToolChoice.Named named) {
            g.writeObjectFieldStart("tool_choice");
            g.writeStringField("type", "function");
            g.writeObjectFieldStart("function");
            g.writeStringField("name", named.name());
            g.writeEndObject();
            g.writeEndObject();
        }
        if (r.parallelToolCalls() != null && r.tools() != null && !r.tools().isEmpty()) {
            // OpenAI refuses parallel_tool_calls without tools.
            g.writeBooleanField("parallel_tool_calls", r.parallelToolCalls());
        }
    }

    private static void writeResponseFormat(JsonGenerator g, ResponseFormat f) throws IOException {
        if (f == null) {
            return;
        }
        g.writeObjectFieldStart("response_format");
        if (f instanceof ResponseFormat.Text) {
            g.writeStringField("type", "text");
        } else if (f instanceof ResponseFormat.JsonObject) {
            g.writeStringField("type", "json_object");
        } else {
            ResponseFormat.JsonSchema js = (ResponseFormat.JsonSchema) f;
            g.writeStringField("type", "json_schema");
            g.writeObjectFieldStart("json_schema");
            // The name is required by chat completions; the other doors may leave it out.
            g.writeStringField("name", js.name() != null ? js.name() : "response");
            if (js.description() != null) {
                g.writeStringField("description", js.description());
            }
            if (js.schema() != null) {
                g.writeFieldName("schema");
                MAPPER.writeTree(g, js.schema());
            }
            if (js.strict() != null) {
                g.writeBooleanField("strict", js.strict());
            }
            g.writeEndObject();
        }
        g.writeEndObject();
    }
}
