package dev.junction.translators.openai;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.stream.GatewayError;
import dev.junction.translators.model.ByteSpan;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.EmbeddingsRequest;
import dev.junction.translators.model.MediaSource;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
import dev.junction.translators.model.ToolCall;
import dev.junction.translators.model.ToolChoice;
import dev.junction.translators.spi.TranslationException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufInputStream;
import io.netty.buffer.Unpooled;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Decodes OpenAI request bodies (wire-formats §1.2, §1.3, §1.7) into canonical values with a
 * streaming Jackson parser. Only small sub-objects (tool parameter schemas, response schemas,
 * unknown top-level fields) become trees.
 *
 * <p>Base64 media in {@code data:} URLs is never turned into a Java string (DESIGN house rule 5):
 * the parser reports where the string token starts in the body, the raw bytes are scanned for the
 * closing quote, and a {@link ByteSpan} over the request body is recorded; the parser then skips
 * the string without decoding it. Only a string containing JSON escapes (e.g. {@code \/}) is
 * decoded, into a buffer of its own.
 *
 * <p>Top-level fields the canonical model does not cover are kept, as trees, in
 * {@link ChatRequest#extra()} for the vendor adapter's strict handling; a field sent as JSON
 * {@code null} counts as not sent (OpenAI treats it as the default).
 *
 * <p>The spans point into {@code body}: the caller keeps the body alive (unreleased) while the
 * returned request is used. The decoder never retains, releases or moves the body's indexes.
 */
public final class OpenAiRequestDecoder {

    /** OpenAI's function-name rule (wire-formats §1.2). */
    private static final Pattern TOOL_NAME = Pattern.compile("[a-zA-Z0-9_-]{1,64}");

    private OpenAiRequestDecoder() {
    }

    /** Decodes a {@code POST /v1/chat/completions} body. */
    public static ChatRequest decodeChat(ByteBuf body, JsonLimits limits) {
        return run(body, limits, Reader::chat);
    }

    /** Decodes a {@code POST /v1/embeddings} body. */
    public static EmbeddingsRequest decodeEmbeddings(ByteBuf body, JsonLimits limits) {
        return run(body, limits, Reader::embeddings);
    }

    private interface Body<T> {
        T read(Reader r) throws IOException;
    }

    private static <T> T run(ByteBuf body, JsonLimits limits, Body<T> what) {
        try (JsonParser p = Json.mapper(limits).createParser(
                (java.io.InputStream) new ByteBufInputStream(body.duplicate(), false))) {
            return what.read(new Reader(p, body, limits));
        } catch (StreamConstraintsException e) {
            throw invalid("invalid_value", null, "The request body exceeds a limit: " + e.getOriginalMessage()
                    + ". Reduce the nesting depth or the string length.");
        } catch (JsonParseException e) {
            throw invalid("invalid_json", null, "The request body is not valid JSON: " + e.getOriginalMessage()
                    + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr()
                    + "). Send a JSON object.");
        } catch (IOException e) {
            throw invalid("invalid_json", null, "The request body could not be read as JSON: " + e.getMessage());
        }
    }

    static TranslationException invalid(String code, String param, String message) {
        return new TranslationException(GatewayError.invalidRequest(code, param, message));
    }

    /** One decoding pass over one body. */
    private static final class Reader {
        private final JsonParser p;
        private final ByteBuf body;
        private final int base;
        private final JsonLimits limits;

        Reader(JsonParser p, ByteBuf body, JsonLimits limits) {
            this.p = p;
            this.body = body;
            this.base = body.readerIndex();
            this.limits = limits;
        }

        // ---- chat ----------------------------------------------------------------------------

        ChatRequest chat() throws IOException {
            startBody();
            String model = null;
            List<Message> messages = null;
            Double temperature = null;
            Double topP = null;
            Integer n = null;
            List<String> stop = null;
            Integer maxTokens = null;
            Integer maxCompletionTokens = null;
            Long seed = null;
            Double presence = null;
            Double frequency = null;
            List<Tool> tools = null;
            ToolChoice toolChoice = null;
            Boolean parallel = null;
            ResponseFormat responseFormat = null;
            String effort = null;
            String user = null;
            Map<String, String> metadata = null;
            Boolean stream = null;
            Boolean includeUsage = null;
            Map<String, JsonNode> extra = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "model" -> model = string("model");
                    case "messages" -> messages = messages();
                    case "temperature" -> temperature = range(number("temperature"), 0, 2, "temperature");
                    case "top_p" -> topP = range(number("top_p"), 0, 1, "top_p");
                    case "n" -> {
                        n = integer("n");
                        if (n != null && (n < 1 || n > 128)) {
                            throw invalid("invalid_value", "n", "'n' must be between 1 and 128, got " + n + ".");
                        }
                    }
                    case "stop" -> stop = stop();
                    case "max_tokens" -> maxTokens = positive(integer("max_tokens"), "max_tokens");
                    case "max_completion_tokens" ->
                            maxCompletionTokens = positive(integer("max_completion_tokens"), "max_completion_tokens");
                    case "seed" -> seed = longValue("seed");
                    case "presence_penalty" -> presence = range(number("presence_penalty"), -2, 2, "presence_penalty");
                    case "frequency_penalty" ->
                            frequency = range(number("frequency_penalty"), -2, 2, "frequency_penalty");
                    case "tools" -> tools = tools();
                    case "tool_choice" -> toolChoice = toolChoice();
                    case "parallel_tool_calls" -> parallel = bool("parallel_tool_calls");
                    case "response_format" -> responseFormat = responseFormat();
                    case "reasoning_effort" -> effort = string("reasoning_effort");
                    case "user" -> user = string("user");
                    case "metadata" -> metadata = stringMap("metadata");
                    case "stream" -> stream = bool("stream");
                    case "stream_options" -> includeUsage = streamOptions();
                    default -> {
                        if (p.currentToken() == JsonToken.VALUE_NULL) {
                            break;
                        }
                        extra.put(field, p.readValueAsTree());
                    }
                }
            }
            endBody();
            if (model == null) {
                throw invalid("missing_field", "model", "'model' is required: name the model alias to use.");
            }
            if (messages == null) {
                throw invalid("missing_field", "messages", "'messages' is required: send at least one message.");
            }
            if (messages.isEmpty()) {
                throw invalid("invalid_value", "messages", "'messages' must contain at least one message.");
            }
            if (includeUsage != null && !Boolean.TRUE.equals(stream)) {
                throw invalid("invalid_value", "stream_options",
                        "'stream_options' is only allowed when 'stream' is true.");
            }
            Integer max = maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
            String maxField = maxCompletionTokens != null ? "max_completion_tokens"
                    : maxTokens != null ? "max_tokens" : null;
            return new ChatRequest(model, messages, temperature, topP, n, stop, max, maxField, seed, presence,
                    frequency, tools, toolChoice, parallel, responseFormat, effort, user, metadata,
                    Boolean.TRUE.equals(stream), Boolean.TRUE.equals(includeUsage), extra);
        }

        private List<Message> messages() throws IOException {
            expectArray("messages");
            List<Message> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                out.add(message("messages[" + out.size() + "]"));
            }
            return out;
        }

        private Message message(String param) throws IOException {
            expectObject(param);
            String role = null;
            List<ContentPart> content = null;
            boolean contentSent = false;
            String name = null;
            String refusal = null;
            String reasoning = null;
            String toolCallId = null;
            List<ToolCall> toolCalls = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "role" -> role = string(param + ".role");
                    case "content" -> {
                        contentSent = p.currentToken() != JsonToken.VALUE_NULL;
                        content = content(param + ".content");
                    }
                    case "name" -> name = string(param + ".name");
                    case "refusal" -> refusal = string(param + ".refusal");
                    case "reasoning_content" -> reasoning = string(param + ".reasoning_content");
                    case "tool_call_id" -> toolCallId = string(param + ".tool_call_id");
                    case "tool_calls" -> toolCalls = toolCalls(param + ".tool_calls");
                    default -> p.skipChildren();
                }
            }
            if (role == null) {
                throw invalid("missing_field", param + ".role",
                        "'" + param + ".role' is required: one of developer, system, user, assistant, tool.");
            }
            List<ContentPart> parts = content == null ? List.of() : content;
            switch (role) {
                case "system", "developer" -> {
                    requireContent(contentSent, param);
                    onlyText(parts, param, role);
                    return new Message.System(role.equals("developer"), parts, name);
                }
                case "user" -> {
                    requireContent(contentSent, param);
                    for (int i = 0; i < parts.size(); i++) {
                        if (parts.get(i) instanceof ContentPart.Refusal) {
                            throw invalid("invalid_value", param + ".content[" + i + "]",
                                    "A user message cannot contain a 'refusal' part.");
                        }
                    }
                    return new Message.User(parts, name);
                }
                case "assistant" -> {
                    List<ContentPart> all = new ArrayList<>(parts);
                    for (int i = 0; i < parts.size(); i++) {
                        ContentPart part = parts.get(i);
                        if (!(part instanceof ContentPart.Text) && !(part instanceof ContentPart.Refusal)) {
                            throw invalid("invalid_value", param + ".content[" + i + "]",
                                    "An assistant message may contain only 'text' and 'refusal' parts.");
                        }
                    }
                    if (refusal != null) {
                        all.add(new ContentPart.Refusal(refusal));
                    }
                    if (all.isEmpty() && (toolCalls == null || toolCalls.isEmpty())) {
                        throw invalid("missing_field", param + ".content",
                                "An assistant message needs 'content' or 'tool_calls'.");
                    }
                    return new Message.Assistant(all, toolCalls == null ? List.of() : toolCalls, reasoning, name);
                }
                case "tool" -> {
                    if (toolCallId == null) {
                        throw invalid("missing_field", param + ".tool_call_id",
                                "A tool message needs 'tool_call_id': the id of the assistant tool call it answers.");
                    }
                    requireContent(contentSent, param);
                    onlyText(parts, param, role);
                    return new Message.Tool(toolCallId, parts);
                }
                case "function" -> throw invalid("invalid_value", param + ".role",
                        "The deprecated 'function' role is not supported: send tool results with role 'tool'.");
                default -> throw invalid("invalid_value", param + ".role", "'" + param + ".role' is '" + role
                        + "'; expected one of developer, system, user, assistant, tool.");
            }
        }

        private void requireContent(boolean sent, String param) {
            if (!sent) {
                throw invalid("missing_field", param + ".content", "'" + param + ".content' is required.");
            }
        }

        private void onlyText(List<ContentPart> parts, String param, String role) {
            for (int i = 0; i < parts.size(); i++) {
                if (!(parts.get(i) instanceof ContentPart.Text)) {
                    throw invalid("invalid_value", param + ".content[" + i + "]",
                            "A " + role + " message may contain only 'text' parts.");
                }
            }
        }

        private List<ContentPart> content(String param) throws IOException {
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
            List<ContentPart> parts = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                parts.add(part(param + "[" + parts.size() + "]"));
            }
            return parts;
        }

        private ContentPart part(String param) throws IOException {
            expectObject(param);
            String type = null;
            String text = null;
            String refusal = null;
            MediaSource imageSource = null;
            String detail = null;
            ByteSpan audio = null;
            String audioFormat = null;
            MediaSource fileSource = null;
            String filename = null;
            boolean sawImage = false;
            boolean sawAudio = false;
            boolean sawFile = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "type" -> type = string(param + ".type");
                    case "text" -> text = string(param + ".text");
                    case "refusal" -> refusal = string(param + ".refusal");
                    case "image_url" -> {
                        sawImage = true;
                        String sub = param + ".image_url";
                        expectObject(sub);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            switch (f) {
                                case "url" -> imageSource = urlOrData(sub + ".url");
                                case "detail" -> detail = string(sub + ".detail");
                                default -> p.skipChildren();
                            }
                        }
                    }
                    case "input_audio" -> {
                        sawAudio = true;
                        String sub = param + ".input_audio";
                        expectObject(sub);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            switch (f) {
                                case "data" -> audio = base64String(sub + ".data");
                                case "format" -> audioFormat = string(sub + ".format");
                                default -> p.skipChildren();
                            }
                        }
                    }
                    case "file" -> {
                        sawFile = true;
                        String sub = param + ".file";
                        expectObject(sub);
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            switch (f) {
                                case "file_data" -> fileSource = dataUrl(sub + ".file_data");
                                case "file_id" -> {
                                    String id = string(sub + ".file_id");
                                    if (id != null && fileSource == null) {
                                        fileSource = new MediaSource.FileId(id);
                                    }
                                }
                                case "filename" -> filename = string(sub + ".filename");
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (type == null) {
                throw invalid("missing_field", param + ".type",
                        "'" + param + ".type' is required: text, image_url, input_audio, file or refusal.");
            }
            switch (type) {
                case "text" -> {
                    if (text == null) {
                        throw invalid("missing_field", param + ".text", "A 'text' part needs 'text'.");
                    }
                    return new ContentPart.Text(text);
                }
                case "refusal" -> {
                    if (refusal == null) {
                        throw invalid("missing_field", param + ".refusal", "A 'refusal' part needs 'refusal'.");
                    }
                    return new ContentPart.Refusal(refusal);
                }
                case "image_url" -> {
                    if (!sawImage || imageSource == null) {
                        throw invalid("missing_field", param + ".image_url.url",
                                "An 'image_url' part needs 'image_url.url': an https URL or a data URL.");
                    }
                    return new ContentPart.Image(imageSource, detail);
                }
                case "input_audio" -> {
                    if (!sawAudio || audio == null || audioFormat == null) {
                        throw invalid("missing_field", param + ".input_audio",
                                "An 'input_audio' part needs 'input_audio.data' (base64) and 'input_audio.format'.");
                    }
                    if (!audioFormat.equals("wav") && !audioFormat.equals("mp3")) {
                        throw invalid("invalid_value", param + ".input_audio.format",
                                "'input_audio.format' must be wav or mp3, got '" + audioFormat + "'.");
                    }
                    return new ContentPart.Audio(new MediaSource.Inline("audio/" + audioFormat, audio), audioFormat);
                }
                case "file" -> {
                    if (!sawFile || fileSource == null) {
                        throw invalid("missing_field", param + ".file",
                                "A 'file' part needs 'file.file_data' (a data URL) or 'file.file_id'.");
                    }
                    return new ContentPart.File(fileSource, filename);
                }
                default -> throw invalid("invalid_value", param + ".type", "Unknown content part type '" + type
                        + "'; expected text, image_url, input_audio, file or refusal.");
            }
        }

        private List<ToolCall> toolCalls(String param) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            expectArray(param);
            List<ToolCall> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String item = param + "[" + out.size() + "]";
                expectObject(item);
                String id = null;
                String type = "function";
                String name = null;
                String arguments = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "id" -> id = string(item + ".id");
                        case "type" -> type = string(item + ".type");
                        case "function" -> {
                            expectObject(item + ".function");
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                p.nextToken();
                                switch (f) {
                                    case "name" -> name = string(item + ".function.name");
                                    case "arguments" -> arguments = string(item + ".function.arguments");
                                    default -> p.skipChildren();
                                }
                            }
                        }
                        default -> p.skipChildren();
                    }
                }
                if (!"function".equals(type)) {
                    throw invalid("invalid_value", item + ".type", "Only 'function' tool calls are supported, got '"
                            + type + "'.");
                }
                if (id == null || name == null) {
                    throw invalid("missing_field", id == null ? item + ".id" : item + ".function.name",
                            "A tool call needs 'id' and 'function.name'.");
                }
                out.add(new ToolCall(id, name, arguments == null || arguments.isEmpty() ? "{}" : arguments));
            }
            return out;
        }

        private List<String> stop() throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t == JsonToken.VALUE_STRING) {
                return List.of(p.getText());
            }
            if (t != JsonToken.START_ARRAY) {
                throw invalid("invalid_value", "stop", "'stop' must be a string or an array of strings.");
            }
            List<String> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    throw invalid("invalid_value", "stop[" + out.size() + "]", "Each 'stop' entry must be a string.");
                }
                out.add(p.getText());
            }
            return out;
        }

        private List<Tool> tools() throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            expectArray("tools");
            List<Tool> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String item = "tools[" + out.size() + "]";
                expectObject(item);
                String type = null;
                String name = null;
                String description = null;
                JsonNode parameters = null;
                Boolean strict = null;
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    String field = p.currentName();
                    p.nextToken();
                    switch (field) {
                        case "type" -> type = string(item + ".type");
                        case "function" -> {
                            expectObject(item + ".function");
                            while (p.nextToken() == JsonToken.FIELD_NAME) {
                                String f = p.currentName();
                                p.nextToken();
                                switch (f) {
                                    case "name" -> name = string(item + ".function.name");
                                    case "description" -> description = string(item + ".function.description");
                                    case "parameters" -> {
                                        if (p.currentToken() == JsonToken.VALUE_NULL) {
                                            break;
                                        }
                                        if (p.currentToken() != JsonToken.START_OBJECT) {
                                            throw invalid("invalid_value", item + ".function.parameters",
                                                    "'" + item + ".function.parameters' must be a JSON Schema object.");
                                        }
                                        parameters = p.readValueAsTree();
                                    }
                                    case "strict" -> strict = bool(item + ".function.strict");
                                    default -> p.skipChildren();
                                }
                            }
                        }
                        default -> p.skipChildren();
                    }
                }
                if (!"function".equals(type)) {
                    throw invalid("unsupported_capability", item + ".type",
                            "Only 'function' tools are supported, got '" + type + "'.");
                }
                if (name == null) {
                    throw invalid("missing_field", item + ".function.name", "A tool needs 'function.name'.");
                }
                if (!TOOL_NAME.matcher(name).matches()) {
                    throw invalid("invalid_value", item + ".function.name", "Tool name '" + name
                            + "' is invalid: use 1 to 64 characters from a-z, A-Z, 0-9, '_' and '-'.");
                }
                out.add(new Tool(name, description, parameters, strict));
            }
            return out;
        }

        private ToolChoice toolChoice() throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t == JsonToken.VALUE_STRING) {
                return switch (p.getText()) {
                    case "auto" -> new ToolChoice.Auto();
                    case "none" -> new ToolChoice.None();
                    case "required" -> new ToolChoice.Required();
                    default -> throw invalid("invalid_value", "tool_choice", "'tool_choice' is '" + p.getText()
                            + "'; expected auto, none, required or {\"type\":\"function\",\"function\":{\"name\":...}}.");
                };
            }
            expectObject("tool_choice");
            String type = null;
            String name = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "type" -> type = string("tool_choice.type");
                    case "function" -> {
                        expectObject("tool_choice.function");
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            if (f.equals("name")) {
                                name = string("tool_choice.function.name");
                            } else {
                                p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (!"function".equals(type)) {
                throw invalid("unsupported_capability", "tool_choice.type",
                        "'tool_choice.type' '" + type + "' is not supported; use 'function' with a function name.");
            }
            if (name == null) {
                throw invalid("missing_field", "tool_choice.function.name", "'tool_choice.function.name' is required.");
            }
            return new ToolChoice.Named(name);
        }

        private ResponseFormat responseFormat() throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            expectObject("response_format");
            String type = null;
            String name = null;
            String description = null;
            JsonNode schema = null;
            Boolean strict = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "type" -> type = string("response_format.type");
                    case "json_schema" -> {
                        expectObject("response_format.json_schema");
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String f = p.currentName();
                            p.nextToken();
                            switch (f) {
                                case "name" -> name = string("response_format.json_schema.name");
                                case "description" -> description = string("response_format.json_schema.description");
                                case "schema" -> {
                                    if (p.currentToken() == JsonToken.VALUE_NULL) {
                                        break;
                                    }
                                    if (p.currentToken() != JsonToken.START_OBJECT) {
                                        throw invalid("invalid_value", "response_format.json_schema.schema",
                                                "'response_format.json_schema.schema' must be a JSON Schema object.");
                                    }
                                    schema = p.readValueAsTree();
                                }
                                case "strict" -> strict = bool("response_format.json_schema.strict");
                                default -> p.skipChildren();
                            }
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (type == null) {
                throw invalid("missing_field", "response_format.type",
                        "'response_format.type' is required: text, json_object or json_schema.");
            }
            return switch (type) {
                case "text" -> new ResponseFormat.Text();
                case "json_object" -> new ResponseFormat.JsonObject();
                case "json_schema" -> {
                    if (name == null) {
                        throw invalid("missing_field", "response_format.json_schema.name",
                                "'response_format.json_schema.name' is required.");
                    }
                    yield new ResponseFormat.JsonSchema(name, description, schema, strict);
                }
                default -> throw invalid("invalid_value", "response_format.type", "'response_format.type' is '"
                        + type + "'; expected text, json_object or json_schema.");
            };
        }

        private Boolean streamOptions() throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            expectObject("stream_options");
            Boolean include = Boolean.FALSE;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                if (field.equals("include_usage")) {
                    Boolean b = bool("stream_options.include_usage");
                    include = b != null && b;
                } else {
                    p.skipChildren();
                }
            }
            return include;
        }

        private Map<String, String> stringMap(String param) throws IOException {
            if (p.currentToken() == JsonToken.VALUE_NULL) {
                return null;
            }
            expectObject(param);
            Map<String, String> out = new LinkedHashMap<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                p.nextToken();
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    throw invalid("invalid_value", param + "." + key, "'" + param + "' values must be strings.");
                }
                out.put(key, p.getText());
            }
            return out;
        }

        // ---- embeddings ----------------------------------------------------------------------

        EmbeddingsRequest embeddings() throws IOException {
            startBody();
            String model = null;
            List<String> texts = null;
            List<int[]> tokens = null;
            boolean inputSeen = false;
            Integer dimensions = null;
            boolean base64 = false;
            String user = null;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                p.nextToken();
                switch (field) {
                    case "model" -> model = string("model");
                    case "input" -> {
                        inputSeen = true;
                        JsonToken t = p.currentToken();
                        if (t == JsonToken.VALUE_STRING) {
                            texts = List.of(p.getText());
                        } else if (t == JsonToken.START_ARRAY) {
                            texts = new ArrayList<>();
                            tokens = new ArrayList<>();
                            List<Integer> flat = new ArrayList<>();
                            int i = 0;
                            while (p.nextToken() != JsonToken.END_ARRAY) {
                                String item = "input[" + i++ + "]";
                                switch (p.currentToken()) {
                                    case VALUE_STRING -> texts.add(p.getText());
                                    case VALUE_NUMBER_INT -> flat.add(p.getIntValue());
                                    case START_ARRAY -> {
                                        List<Integer> row = new ArrayList<>();
                                        while (p.nextToken() != JsonToken.END_ARRAY) {
                                            if (p.currentToken() != JsonToken.VALUE_NUMBER_INT) {
                                                throw invalid("invalid_value", item, "Token arrays hold integers only.");
                                            }
                                            row.add(p.getIntValue());
                                        }
                                        tokens.add(row.stream().mapToInt(Integer::intValue).toArray());
                                    }
                                    default -> throw invalid("invalid_value", item,
                                            "'input' items must be strings, token ids or token arrays.");
                                }
                            }
                            if (!flat.isEmpty()) {
                                tokens.add(flat.stream().mapToInt(Integer::intValue).toArray());
                            }
                            int kinds = (texts.isEmpty() ? 0 : 1) + (tokens.isEmpty() ? 0 : 1);
                            if (kinds == 0) {
                                throw invalid("invalid_value", "input", "'input' must not be empty.");
                            }
                            if (kinds > 1 || (!flat.isEmpty() && tokens.size() > 1)) {
                                throw invalid("invalid_value", "input",
                                        "'input' must be all strings, one token array, or all token arrays.");
                            }
                            if (texts.isEmpty()) {
                                texts = null;
                            } else {
                                tokens = null;
                            }
                        } else {
                            throw invalid("invalid_value", "input",
                                    "'input' must be a string, an array of strings, or token arrays.");
                        }
                    }
                    case "dimensions" -> dimensions = positive(integer("dimensions"), "dimensions");
                    case "encoding_format" -> {
                        String f = string("encoding_format");
                        if (f != null && !f.equals("float") && !f.equals("base64")) {
                            throw invalid("invalid_value", "encoding_format",
                                    "'encoding_format' must be float or base64, got '" + f + "'.");
                        }
                        base64 = "base64".equals(f);
                    }
                    case "user" -> user = string("user");
                    default -> p.skipChildren();
                }
            }
            endBody();
            if (model == null) {
                throw invalid("missing_field", "model", "'model' is required: name the embeddings model alias.");
            }
            if (!inputSeen) {
                throw invalid("missing_field", "input", "'input' is required: the text(s) to embed.");
            }
            return new EmbeddingsRequest(model, texts == null ? null : List.copyOf(texts),
                    tokens == null ? null : List.copyOf(tokens), dimensions, base64, user);
        }

        // ---- media ---------------------------------------------------------------------------

        /** {@code image_url.url}: a data URL becomes an inline span, anything else a URL. */
        private MediaSource urlOrData(String param) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw invalid("invalid_value", param, "'" + param + "' must be a string (an https URL or a data URL).");
            }
            int quote = quotePosition();
            if (startsWith(quote + 1, "data:")) {
                return dataUrlAt(quote, param);
            }
            String url = p.getText();
            if (!url.startsWith("https://") && !url.startsWith("http://")) {
                throw invalid("invalid_value", param, "'" + param + "' must be an http(s) URL or a data URL.");
            }
            return new MediaSource.Url(url);
        }

        /** {@code file.file_data}: must be a base64 data URL (wire-formats §1.3). */
        private MediaSource dataUrl(String param) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw invalid("invalid_value", param, "'" + param + "' must be a data URL string.");
            }
            int quote = quotePosition();
            if (!startsWith(quote + 1, "data:")) {
                throw invalid("invalid_value", param,
                        "'" + param + "' must be a data URL such as data:application/pdf;base64,....");
            }
            return dataUrlAt(quote, param);
        }

        private MediaSource dataUrlAt(int quote, String param) throws IOException {
            int from = quote + 1 + "data:".length();
            int limit = Math.min(body.writerIndex(), from + 256);
            int comma = body.forEachByte(from, limit - from, b -> b != ',' && b != '"' && b != '\\');
            if (comma < 0 || body.getByte(comma) != ',') {
                throw invalid("invalid_value", param,
                        "'" + param + "' is not a valid data URL: expected data:<mime type>;base64,<data>.");
            }
            String header = body.toString(from, comma - from, StandardCharsets.US_ASCII);
            if (!header.endsWith(";base64")) {
                throw invalid("invalid_value", param,
                        "'" + param + "' must be a base64 data URL (data:<mime type>;base64,<data>).");
            }
            int semicolon = header.indexOf(';');
            String mime = header.substring(0, semicolon);
            if (mime.isEmpty() || mime.indexOf('/') < 0) {
                throw invalid("invalid_value", param, "'" + param + "' has no media type: expected data:<type>/<subtype>;base64,....");
            }
            ByteSpan span = spanFrom(comma + 1, param);
            if (span == null) {
                String text = p.getText();
                span = copied(text.substring(text.indexOf(',') + 1), param);
            }
            return new MediaSource.Inline(mime, span);
        }

        /** A raw base64 string ({@code input_audio.data}). */
        private ByteSpan base64String(String param) throws IOException {
            if (p.currentToken() != JsonToken.VALUE_STRING) {
                throw invalid("invalid_value", param, "'" + param + "' must be a base64 string.");
            }
            ByteSpan span = spanFrom(quotePosition() + 1, param);
            return span != null ? span : copied(p.getText(), param);
        }

        /**
         * The span from {@code from} to the closing quote of the current string token, or null when
         * the string holds an escape (then the caller decodes it). The parser skips the string later
         * without materialising it, because its text is never asked for.
         */
        private ByteSpan spanFrom(int from, String param) {
            int end = body.forEachByte(from, body.writerIndex() - from, b -> b != '"' && b != '\\');
            if (end < 0 || body.getByte(end) == '\\') {
                return null;
            }
            int length = end - from;
            if (length > limits.maxStringLength()) {
                throw invalid("invalid_value", param, "'" + param + "' is " + length + " bytes, over the limit of "
                        + limits.maxStringLength() + ". Send a smaller file.");
            }
            return new ByteSpan(body, from, length);
        }

        /** Escaped base64 (e.g. {@code \/}) is rare: decode it into a buffer of its own, owned by the GC. */
        private static ByteSpan copied(String base64, String param) {
            byte[] bytes = base64.getBytes(StandardCharsets.US_ASCII);
            ByteBuf copy = Unpooled.wrappedBuffer(bytes);
            return new ByteSpan(copy, 0, bytes.length);
        }

        /** Where the current string token's opening quote is in {@code body}. */
        private int quotePosition() {
            long offset = p.currentTokenLocation().getByteOffset();
            int at = base + (int) offset;
            if (offset < 0 || at >= body.writerIndex() || body.getByte(at) != '"') {
                throw new IllegalStateException("parser token offset " + offset + " does not point at a string");
            }
            return at;
        }

        private boolean startsWith(int at, String ascii) {
            if (at + ascii.length() > body.writerIndex()) {
                return false;
            }
            for (int i = 0; i < ascii.length(); i++) {
                if (body.getByte(at + i) != ascii.charAt(i)) {
                    return false;
                }
            }
            return true;
        }

        // ---- primitives ----------------------------------------------------------------------

        private void startBody() throws IOException {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw invalid("invalid_json", null, "The request body must be a JSON object.");
            }
        }

        private void endBody() throws IOException {
            if (p.nextToken() != null) {
                throw invalid("invalid_json", null, "The request body has content after the JSON object.");
            }
        }

        private void expectObject(String param) {
            if (p.currentToken() != JsonToken.START_OBJECT) {
                throw invalid("invalid_value", param, "'" + param + "' must be an object.");
            }
        }

        private void expectArray(String param) {
            if (p.currentToken() != JsonToken.START_ARRAY) {
                throw invalid("invalid_value", param, "'" + param + "' must be an array.");
            }
        }

        private String string(String param) throws IOException {
            return switch (p.currentToken()) {
                case VALUE_STRING -> p.getText();
                case VALUE_NULL -> null;
                default -> throw invalid("invalid_value", param, "'" + param + "' must be a string.");
            };
        }

        private Boolean bool(String param) throws IOException {
            return switch (p.currentToken()) {
                case VALUE_TRUE -> Boolean.TRUE;
                case VALUE_FALSE -> Boolean.FALSE;
                case VALUE_NULL -> null;
                default -> throw invalid("invalid_value", param, "'" + param + "' must be true or false.");
            };
        }

        private Double number(String param) throws IOException {
            return switch (p.currentToken()) {
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> p.getDoubleValue();
                case VALUE_NULL -> null;
                default -> throw invalid("invalid_value", param, "'" + param + "' must be a number.");
            };
        }

        private Integer integer(String param) throws IOException {
            Long v = longValue(param);
            if (v == null) {
                return null;
            }
            if (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE) {
                throw invalid("invalid_value", param, "'" + param + "' is out of range: " + v + ".");
            }
            return v.intValue();
        }

        private Long longValue(String param) throws IOException {
            return switch (p.currentToken()) {
                case VALUE_NUMBER_INT -> {
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                        throw invalid("invalid_value", param, "'" + param + "' is out of range.");
                    }
                    yield p.getLongValue();
                }
                case VALUE_NULL -> null;
                default -> throw invalid("invalid_value", param, "'" + param + "' must be an integer.");
            };
        }

        private static Double range(Double v, double min, double max, String param) {
            if (v != null && (v < min || v > max || v.isNaN())) {
                throw invalid("invalid_value", param, "'" + param + "' must be between " + fmt(min) + " and "
                        + fmt(max) + ", got " + v + ".");
            }
            return v;
        }

        private static Integer positive(Integer v, String param) {
            if (v != null && v < 1) {
                throw invalid("invalid_value", param, "'" + param + "' must be at least 1, got " + v + ".");
            }
            return v;
        }

        private static String fmt(double d) {
            return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
        }
    }
}
