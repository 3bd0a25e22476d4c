package dev.junction.translators.responses;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.model.ToolChoice;
import dev.junction.translators.openai.DataUrlLocator;
import dev.junction.translators.openai.JsonFields;
import dev.junction.translators.openai.JsonLimits;
import dev.junction.translators.openai.OpenAiRequestDecoder;
import io.netty.buffer.ByteBuf;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.junction.translators.openai.JsonFields.range;
import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Decodes an OpenAI Responses body ({@code POST /v1/responses}, wire-formats §1.11.2, §1.11.3) into
 * the canonical request, lowering it to the chat shape as wire-formats §1.11.6 lays out:
 * <ul>
 *   <li>{@code input} as a string → one user message; as items: {@code message} items (roles user,
 *       system, developer, assistant; parts {@code input_text}, {@code input_image} with a URL or data
 *       URL, {@code input_file} with a data URL or file id, and on replayed assistant turns
 *       {@code output_text} and {@code refusal}); consecutive {@code function_call} items join the
 *       assistant turn before them as its tool calls ({@code call_id} is the tool-call id);
 *       {@code function_call_output} → a tool message (text); {@code reasoning} items → the reasoning
 *       of the next assistant turn (summary and reasoning text), which each vendor keeps or drops
 *       with a warning. {@code instructions} → a leading developer message.</li>
 *   <li>Function tools (flat: name, description, parameters, strict) and {@code tool_choice}
 *       (none, auto, required, {@code {type:function, name}}). A built-in tool ({@code web_search},
 *       {@code file_search}, ...) runs only where the vendor has it natively, so here, on the way to
 *       a translated vendor, it is {@code unsupported_capability}; so are {@code allowed_tools},
 *       {@code item_reference} items (they need a stored response) and {@code background}.</li>
 *   <li>{@code text.format} (text, json_object, json_schema) → response format; {@code text.verbosity}
 *       is kept in {@code extra} as {@code verbosity} for each vendor's strict handling;
 *       {@code reasoning.effort} → reasoning effort ({@code reasoning.summary} asks how reasoning is
 *       shown, and Junction shows what the vendor gives as a summary); {@code max_output_tokens}
 *       (at least 16) → max tokens; {@code temperature}, {@code top_p}; {@code user} and
 *       {@code safety_identifier} → user.</li>
 *   <li>{@code store}, {@code previous_response_id} and {@code metadata} are the gateway's business
 *       and never reach a vendor; {@code include}, {@code stream_options} and {@code truncation:
 *       "disabled"} ask for nothing a translated vendor could add. Other fields go to {@code extra}.</li>
 * </ul>
 * Spans point into {@code body}; the caller keeps it alive while the request is used.
 */
public final class ResponsesRequestDecoder {

    private static final Pattern SCHEMA_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private ResponsesRequestDecoder() {
    }

    public static ResponsesRequest decode(ByteBuf body, JsonLimits limits) {
        return OpenAiRequestDecoder.run(body, limits, p -> new Reader(p, body, limits).read());
    }

    private static final class Reader {
        private final JsonParser p;
        private final JsonFields json;
        private final DataUrlLocator media;

        Reader(JsonParser p, ByteBuf body, JsonLimits limits) {
            this.p = p;
            this.json = new JsonFields(p);
            this.media = new DataUrlLocator(p, body, limits);
        }

        ResponsesRequest read() throws IOException {
            json.startBody();
            String model = null;
            List<Message> input = null;
            String instructions = null;
            JsonNode tools = null;
            JsonNode toolChoice = null;
            Boolean parallel = null;
            JsonNode text = null;
            JsonNode reasoning = null;
            Integer maxOutput = null;
            Double temperature = null;
            Double topP = null;
            Boolean store = null;
            String previous = null;
            Map<String, String> metadata = null;
            String user = null;
            Boolean stream = null;
            Map<String, JsonNode> extra = new LinkedHashMap<>();
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "model" -> model = json.string("model");
                    case "input" -> input = input();
                    case "instructions" -> instructions = json.string("instructions");
                    case "tools" -> tools = tree();
                    case "tool_choice" -> toolChoice = tree();
                    case "parallel_tool_calls" -> parallel = json.bool("parallel_tool_calls");
                    case "text" -> text = tree();
                    case "reasoning" -> reasoning = tree();
                    case "max_output_tokens" -> {
                        maxOutput = json.integer("max_output_tokens");
                        if (maxOutput != null && maxOutput < 16) {
                            throw invalid("invalid_value", "max_output_tokens",
                                    "'max_output_tokens' must be at least 16, got " + maxOutput + ".");
                        }
                    }
                    case "temperature" -> temperature = range(json.number("temperature"), 0, 2, "temperature");
                    case "top_p" -> topP = range(json.number("top_p"), 0, 1, "top_p");
                    case "store" -> store = json.bool("store");
                    case "previous_response_id" -> previous = json.string("previous_response_id");
                    case "metadata" -> metadata = json.stringMap("metadata");
                    case "user", "safety_identifier" -> {
                        String u = json.string(field);
                        if (u != null) {
                            user = u;
                        }
                    }
                    case "stream" -> stream = json.bool("stream");
                    case "include", "stream_options" -> p.skipChildren();
                    case "truncation" -> {
                        String t = json.string("truncation");
                        if ("auto".equals(t)) {
                            throw invalid("unsupported_capability", "truncation", "'truncation: auto' is not"
                                    + " supported: Junction does not drop input items; send the input that fits.");
                        }
                    }
                    case "background" -> {
                        if (Boolean.TRUE.equals(json.bool("background"))) {
                            throw invalid("unsupported_capability", "background", "'background: true' is not"
                                    + " supported for this model; send the request without it.");
                        }
                    }
                    default -> {
                        if (p.currentToken() == JsonToken.VALUE_NULL) {
                            break;
                        }
                        extra.put(field, p.readValueAsTree());
                    }
                }
            }
            json.endBody();
            if (model == null) {
                throw invalid("missing_field", "model", "'model' is required: name the model alias to use.");
            }
            if (input == null && previous == null) {
                throw invalid("missing_field", "input", "'input' is required: a string or a list of input items.");
            }
            List<Message> messages = new ArrayList<>();
            if (instructions != null) {
                messages.add(new Message.System(true, List.of(new ContentPart.Text(instructions)), null));
            }
            if (input != null) {
                messages.addAll(input);
            }
            List<Tool> toolList = tools(tools);
            ToolChoice choice = toolChoice(toolChoice);
            ResponseFormat format = null;
            if (text != null && !text.isNull()) {
                if (!text.isObject()) {
                    throw invalid("invalid_value", "text", "'text' must be an object.");
                }
                format = format(text.get("format"));
                JsonNode verbosity = text.get("verbosity");
                if (verbosity != null && !verbosity.isNull()) {
                    extra.put("verbosity", verbosity);
                }
            }
            String effort = null;
            if (reasoning != null && !reasoning.isNull()) {
                if (!reasoning.isObject()) {
                    throw invalid("invalid_value", "reasoning", "'reasoning' must be an object.");
                }
                JsonNode e = reasoning.get("effort");
                if (e != null && !e.isNull()) {
                    if (!e.isTextual()) {
                        throw invalid("invalid_value", "reasoning.effort", "'reasoning.effort' must be a string.");
                    }
                    effort = e.asText();
                }
            }
            ChatRequest chat = new ChatRequest(model, messages, temperature, topP, null, null, maxOutput,
                    maxOutput == null ? null : "max_output_tokens", null, null, null, toolList, choice, parallel,
                    format, effort, user, null, Boolean.TRUE.equals(stream), false, extra);
            JsonNodeFactory f = JsonNodeFactory.instance;
            ObjectNode defaultText = f.objectNode();
            defaultText.putObject("format").put("type", "text");
            return new ResponsesRequest(chat, instructions, maxOutput, parallel == null || parallel, previous,
                    store == null || store, temperature == null ? 1.0 : temperature, topP == null ? 1.0 : topP,
                    echo(toolList),
                    toolChoice == null || toolChoice.isNull() ? f.textNode("auto") : toolChoice,
                    text == null || text.isNull() ? defaultText : text,
                    reasoning == null || reasoning.isNull() ? null : reasoning, metadata, user);
        }

        /**
         * The tools as the response echoes them: the function tools decoded, with {@code parameters}
         * and {@code strict} always present (OpenAI's schema requires both, nullable) whatever the
         * client left out.
         */
        private static JsonNode echo(List<Tool> tools) {
            com.fasterxml.jackson.databind.node.ArrayNode out = JsonNodeFactory.instance.arrayNode();
            if (tools != null) {
                for (Tool t : tools) {
                    ObjectNode n = out.addObject();
                    n.put("type", "function");
                    n.put("name", t.name());
                    if (t.description() != null) {
                        n.put("description", t.description());
                    }
                    n.set("parameters", t.parameters() == null ? JsonNodeFactory.instance.nullNode() : t.parameters());
                    if (t.strict() == null) {
                        n.putNull("strict");
                    } else {
                        n.put("strict", t.strict());
                    }
                }
            }
            return out;
        }

        private JsonNode tree() throws IOException {
            return p.currentToken() == JsonToken.VALUE_NULL ? null : p.readValueAsTree();
        }

        // ---- input -----------------------------------------------------------------------------------

        private List<Message> input() throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t == JsonToken.VALUE_STRING) {
                return List.of(new Message.User(List.of(new ContentPart.Text(p.getText())), null));
            }
            if (t != JsonToken.START_ARRAY) {
                throw invalid("invalid_value", "input", "'input' must be a string or an array of input items.");
            }
            Lowering out = new Lowering();
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                item("input[" + i++ + "]", out);
            }
            return out.finish();
        }

        /** Builds canonical messages from items, joining function calls to the assistant turn before them. */
        private static final class Lowering {
            final List<Message> messages = new ArrayList<>();
            List<ContentPart> assistantParts;
            List<ToolCall> assistantCalls;
            String pendingReasoning;

            void add(Message m) {
                flushAssistant();
                messages.add(m);
            }

            void assistantText(List<ContentPart> parts) {
                if (assistantCalls != null && !assistantCalls.isEmpty()) {
                    flushAssistant(); // text after calls starts a new assistant turn
                }
                if (assistantParts == null) {
                    assistantParts = new ArrayList<>();
                    assistantCalls = new ArrayList<>();
                }
                assistantParts.addAll(parts);
            }

            void call(ToolCall call) {
                if (assistantParts == null) {
                    assistantParts = new ArrayList<>();
                    assistantCalls = new ArrayList<>();
                }
                assistantCalls.add(call);
            }

            void reasoning(String text) {
                flushAssistant();
                pendingReasoning = pendingReasoning == null ? text : pendingReasoning + text;
            }

            void flushAssistant() {
                if (assistantParts != null) {
                    messages.add(new Message.Assistant(assistantParts, assistantCalls, pendingReasoning, null));
                    pendingReasoning = null;
                    assistantParts = null;
                    assistantCalls = null;
                }
            }

            List<Message> finish() {
                flushAssistant(); // reasoning with no assistant turn after it has nothing to attach to
                return messages;
            }
        }

        private void item(String param, Lowering out) throws IOException {
            json.expectObject(param);
            String type = null;
            String role = null;
            List<ContentPart> content = null;
            String callId = null;
            String name = null;
            String arguments = null;
            List<ContentPart> output = null;
            StringBuilder reasoning = null;
            boolean hasId = false;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "type" -> type = json.string(param + ".type");
                    case "role" -> role = json.string(param + ".role");
                    case "content" -> {
                        if (p.currentToken() == JsonToken.START_ARRAY && "reasoning".equals(type)) {
                            reasoning = reasoningText(param + ".content", reasoning);
                        } else {
                            content = parts(param + ".content");
                        }
                    }
                    case "summary" -> reasoning = reasoningText(param + ".summary", reasoning);
                    case "call_id" -> callId = json.string(param + ".call_id");
                    case "name" -> name = json.string(param + ".name");
                    case "arguments" -> arguments = json.string(param + ".arguments");
                    case "output" -> output = parts(param + ".output");
                    case "id" -> {
                        hasId = true;
                        p.skipChildren();
                    }
                    default -> p.skipChildren(); // status, phase, encrypted_content
                }
            }
            if (type == null) {
                if (role != null) {
                    type = "message";
                } else if (hasId) {
                    type = "item_reference";
                } else {
                    throw invalid("missing_field", param + ".type", "'" + param + ".type' is required.");
                }
            }
            switch (type) {
                case "message" -> message(param, role, content, out);
                case "function_call" -> {
                    if (callId == null || name == null) {
                        throw invalid("missing_field", param + (callId == null ? ".call_id" : ".name"),
                                "A function_call item needs 'call_id' and 'name'.");
                    }
                    out.call(new ToolCall(callId, name, arguments == null || arguments.isEmpty() ? "{}" : arguments));
                }
                case "function_call_output" -> {
                    if (callId == null) {
                        throw invalid("missing_field", param + ".call_id",
                                "A function_call_output item needs 'call_id': the call_id of the function_call it answers.");
                    }
                    if (output == null) {
                        throw invalid("missing_field", param + ".output", "A function_call_output item needs 'output'.");
                    }
                    for (int i = 0; i < output.size(); i++) {
                        if (!(output.get(i) instanceof ContentPart.Text)) {
                            throw invalid("unsupported_capability", param + ".output[" + i + "]",
                                    "Only text can be translated in a function_call_output for this model.");
                        }
                    }
                    out.add(new Message.Tool(callId, output));
                }
                case "reasoning" -> {
                    if (content != null) { // reasoning content read before the item's type
                        for (ContentPart part : content) {
                            reasoning = (reasoning == null ? new StringBuilder() : reasoning)
                                    .append(((ContentPart.Text) part).text());
                        }
                    }
                    if (reasoning != null && reasoning.length() > 0) {
                        out.reasoning(reasoning.toString());
                    }
                }
                case "item_reference" -> throw invalid("unsupported_capability", param,
                        "Item references need a stored response; send the item itself instead.");
                default -> throw invalid("unsupported_capability", param + ".type", "Input item type '" + type
                        + "' cannot be sent to this model; use message, function_call, function_call_output or"
                        + " reasoning items.");
            }
        }

        private void message(String param, String role, List<ContentPart> content, Lowering out) {
            if (role == null) {
                throw invalid("missing_field", param + ".role", "'" + param + ".role' is required.");
            }
            if (content == null) {
                throw invalid("missing_field", param + ".content", "'" + param + ".content' is required.");
            }
            switch (role) {
                case "user" -> {
                    for (int i = 0; i < content.size(); i++) {
                        if (content.get(i) instanceof ContentPart.Refusal) {
                            throw invalid("invalid_value", param + ".content[" + i + "]",
                                    "A user message cannot contain a 'refusal' part.");
                        }
                    }
                    out.add(new Message.User(content, null));
                }
                case "system", "developer" -> {
                    for (int i = 0; i < content.size(); i++) {
                        if (!(content.get(i) instanceof ContentPart.Text)) {
                            throw invalid("invalid_value", param + ".content[" + i + "]",
                                    "A " + role + " message may contain only text.");
                        }
                    }
                    out.add(new Message.System(role.equals("developer"), content, null));
                }
                case "assistant" -> {
                    for (int i = 0; i < content.size(); i++) {
                        ContentPart part = content.get(i);
                        if (!(part instanceof ContentPart.Text) && !(part instanceof ContentPart.Refusal)) {
                            throw invalid("invalid_value", param + ".content[" + i + "]",
                                    "An assistant message may contain only output_text and refusal parts.");
                        }
                    }
                    out.assistantText(content);
                }
                default -> throw invalid("invalid_value", param + ".role", "'" + param + ".role' is '" + role
                        + "'; expected user, system, developer or assistant.");
            }
        }

        /** {@code summary} or reasoning {@code content}: the texts of its parts, appended. */
        private StringBuilder reasoningText(String param, StringBuilder sb) throws IOException {
            if (json.isNull()) {
                return sb;
            }
            json.expectArray(param);
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String at = param + "[" + i++ + "]";
                json.expectObject(at);
                for (String field = json.nextField(); field != null; field = json.nextField()) {
                    if (field.equals("text")) {
                        String t = json.string(at + ".text");
                        if (t != null) {
                            sb = sb == null ? new StringBuilder() : sb;
                            sb.append(t);
                        }
                    } else {
                        p.skipChildren();
                    }
                }
            }
            return sb;
        }

        /** A message's content or a call output: a string, or an array of parts. */
        private List<ContentPart> parts(String param) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t == JsonToken.VALUE_STRING) {
                return List.of(new ContentPart.Text(p.getText()));
            }
            if (t != JsonToken.START_ARRAY) {
                throw invalid("invalid_value", param, "'" + param + "' must be a string or an array of content parts.");
            }
            List<ContentPart> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                out.add(part(param + "[" + out.size() + "]"));
            }
            return out;
        }

        private ContentPart part(String param) throws IOException {
            json.expectObject(param);
            String type = null;
            String text = null;
            String refusal = null;
            MediaSource image = null;
            String detail = null;
            MediaSource file = null;
            String filename = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "type" -> type = json.string(param + ".type");
                    case "text" -> text = json.string(param + ".text");
                    case "refusal" -> refusal = json.string(param + ".refusal");
                    case "image_url" -> {
                        if (!json.isNull()) {
                            image = media.urlOrData(param + ".image_url");
                        }
                    }
                    case "detail" -> detail = json.string(param + ".detail");
                    case "file_data" -> {
                        if (!json.isNull()) {
                            file = media.dataUrl(param + ".file_data");
                        }
                    }
                    case "file_url" -> {
                        String url = json.string(param + ".file_url");
                        if (url != null && file == null) {
                            file = new MediaSource.Url(url);
                        }
                    }
                    case "file_id" -> {
                        String id = json.string(param + ".file_id");
                        if (id != null) {
                            if ("input_image".equals(type) && image == null) {
                                image = new MediaSource.FileId(id);
                            } else if (file == null) {
                                file = new MediaSource.FileId(id);
                            }
                        }
                    }
                    case "filename" -> filename = json.string(param + ".filename");
                    default -> p.skipChildren(); // annotations, logprobs
                }
            }
            if (type == null) {
                throw invalid("missing_field", param + ".type", "'" + param + ".type' is required.");
            }
            return switch (type) {
                case "input_text", "output_text", "summary_text", "reasoning_text" -> {
                    if (text == null) {
                        throw invalid("missing_field", param + ".text", "A '" + type + "' part needs 'text'.");
                    }
                    yield new ContentPart.Text(text);
                }
                case "refusal" -> {
                    if (refusal == null) {
                        throw invalid("missing_field", param + ".refusal", "A 'refusal' part needs 'refusal'.");
                    }
                    yield new ContentPart.Refusal(refusal);
                }
                case "input_image" -> {
                    if (image == null) {
                        throw invalid("missing_field", param + ".image_url",
                                "An 'input_image' part needs 'image_url' (an https URL or a data URL) or 'file_id'.");
                    }
                    if ("original".equals(detail)) {
                        throw invalid("unsupported_capability", param + ".detail",
                                "'detail: original' cannot be sent to this model; use auto, low or high.");
                    }
                    yield new ContentPart.Image(image, detail);
                }
                case "input_file" -> {
                    if (file == null) {
                        throw invalid("missing_field", param + ".file_data",
                                "An 'input_file' part needs 'file_data' (a data URL), 'file_url' or 'file_id'.");
                    }
                    yield new ContentPart.File(file, filename);
                }
                default -> throw invalid("invalid_value", param + ".type", "Unknown content part type '" + type
                        + "'; expected input_text, input_image, input_file, output_text or refusal.");
            };
        }

        // ---- tools, tool_choice, text.format (small trees) ------------------------------------------------

        private static List<Tool> tools(JsonNode tools) {
            if (tools == null || tools.isNull()) {
                return null;
            }
            if (!tools.isArray()) {
                throw invalid("invalid_value", "tools", "'tools' must be an array.");
            }
            List<Tool> out = new ArrayList<>();
            for (int i = 0; i < tools.size(); i++) {
                JsonNode t = tools.get(i);
                String param = "tools[" + i + "]";
                String type = t.path("type").asText(null);
                if (type == null) {
                    throw invalid("missing_field", param + ".type", "'" + param + ".type' is required.");
                }
                if (!type.equals("function")) {
                    throw invalid("unsupported_capability", param + ".type", "Tool type '" + type
                            + "' is a built-in tool this model's vendor does not run; only function tools can be"
                            + " sent to it.");
                }
                String name = t.path("name").asText(null);
                if (name == null || !SCHEMA_NAME.matcher(name).matches()) {
                    throw invalid(name == null ? "missing_field" : "invalid_value", param + ".name",
                            "A function tool needs a 'name' of 1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'.");
                }
                JsonNode params = t.get("parameters");
                if (params != null && !params.isNull() && !params.isObject()) {
                    throw invalid("invalid_value", param + ".parameters", "'" + param + ".parameters' must be a JSON Schema object.");
                }
                JsonNode strict = t.get("strict");
                out.add(new Tool(name, t.path("description").asText(null),
                        params == null || params.isNull() ? null : params,
                        strict == null || strict.isNull() ? null : strict.asBoolean()));
            }
            return out;
        }

        private static ToolChoice toolChoice(JsonNode c) {
            if (c == null || c.isNull()) {
                return null;
            }
            if (c.isTextual()) {
                return switch (c.asText()) {
                    case "auto" -> new ToolChoice.Auto();
                    case "none" -> new ToolChoice.None();
                    case "required" -> new ToolChoice.Required();
                    default -> throw invalid("invalid_value", "tool_choice", "'tool_choice' is '" + c.asText()
                            + "'; expected none, auto, required or {\"type\":\"function\",\"name\":...}.");
                };
            }
            String type = c.path("type").asText("");
            if (type.equals("function")) {
                String name = c.path("name").asText(null);
                if (name == null) {
                    throw invalid("missing_field", "tool_choice.name", "'tool_choice.name' is required.");
                }
                return new ToolChoice.Named(name);
            }
            throw invalid("unsupported_capability", "tool_choice.type", "'tool_choice' of type '" + type
                    + "' cannot be sent to this model; use none, auto, required or a named function.");
        }

        private static ResponseFormat format(JsonNode f) {
            if (f == null || f.isNull()) {
                return null;
            }
            String type = f.path("type").asText(null);
            if (type == null) {
                throw invalid("missing_field", "text.format.type", "'text.format.type' is required: text, json_object or json_schema.");
            }
            return switch (type) {
                case "text" -> new ResponseFormat.Text();
                case "json_object" -> new ResponseFormat.JsonObject();
                case "json_schema" -> {
                    String name = f.path("name").asText(null);
                    if (name == null || !SCHEMA_NAME.matcher(name).matches()) {
                        throw invalid(name == null ? "missing_field" : "invalid_value", "text.format.name",
                                "'text.format.name' is required: 1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'.");
                    }
                    JsonNode schema = f.get("schema");
                    if (schema == null || !schema.isObject()) {
                        throw invalid("missing_field", "text.format.schema", "'text.format.schema' must be a JSON Schema object.");
                    }
                    JsonNode strict = f.get("strict");
                    yield new ResponseFormat.JsonSchema(name, f.path("description").asText(null), schema,
                            strict == null || strict.isNull() ? null : strict.asBoolean());
                }
                default -> throw invalid("invalid_value", "text.format.type", "'text.format.type' is '" + type
                        + "'; expected text, json_object or json_schema.");
            };
        }
    }
}
