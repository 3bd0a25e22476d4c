package dev.junction.translators.messages;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import dev.junction.translators.model.ChatRequest;
import dev.junction.translators.model.ContentPart;
import dev.junction.translators.model.Message;
import dev.junction.translators.model.ResponseFormat;
import dev.junction.translators.model.Tool;
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

import static dev.junction.translators.openai.JsonFields.range;
import static dev.junction.translators.openai.OpenAiRequestDecoder.invalid;

/**
 * Decodes an Anthropic Messages body ({@code POST /v1/messages}, {@code /v1/messages/count_tokens})
 * into the canonical request, with the same streaming parser, limits and error vocabulary as the
 * chat codec. Field by field:
 * <ul>
 *   <li>{@code system} (string or text blocks) → one leading system message;
 *       {@code stop_sequences} → stop; {@code max_tokens} → max tokens (field name {@code max_tokens});
 *       {@code temperature} (0..1, Anthropic's range), {@code top_p}, {@code top_k};
 *       {@code metadata.user_id} → user; {@code stream}.</li>
 *   <li>{@code thinking}: {@code enabled} → a reasoning budget of {@code budget_tokens};
 *       {@code disabled} → reasoning effort {@code none}; {@code adaptive} asks for nothing
 *       (each vendor's own default). {@code output_config.effort} → reasoning effort;
 *       {@code output_config.format} (json_schema) → a JSON-schema response format.</li>
 *   <li>{@code tools} (custom tools: name, description, input_schema, strict) and {@code tool_choice}
 *       (auto, any → required, tool → named, none; {@code disable_parallel_tool_use} → no parallel
 *       calls). Anthropic's server tools ({@code web_search_…}, {@code bash_…}, ...) run only on
 *       Anthropic, so a body carrying one is {@code unsupported_capability} here.</li>
 *   <li>User turns: text, image and document blocks (base64 spans of the body, URLs, file ids, plain
 *       text documents) become content parts; each {@code tool_result} becomes a tool message placed
 *       before the rest of its turn ({@code is_error} kept), as Anthropic requires tool results to
 *       lead their turn.</li>
 *   <li>Assistant turns: text and {@code tool_use} blocks (input object → arguments text);
 *       {@code thinking} text → the turn's reasoning, which each vendor keeps or drops with a warning.
 *       {@code redacted_thinking} is encrypted for Anthropic alone and carries nothing another vendor
 *       can read, so it is left out.</li>
 *   <li>{@code cache_control} hints on any block are Anthropic's prompt-cache markers and change no
 *       answer; they are not carried. Other top-level fields ({@code service_tier}, {@code container},
 *       ...) are kept in {@code extra}, where each vendor refuses or drops them as it does for chat.</li>
 * </ul>
 * Spans point into {@code body}; the caller keeps it alive while the request is used.
 */
public final class MessagesRequestDecoder {

    private MessagesRequestDecoder() {
    }

    /** A {@code POST /v1/messages} body: {@code model}, {@code max_tokens} and {@code messages} are required. */
    public static ChatRequest decode(ByteBuf body, JsonLimits limits) {
        return OpenAiRequestDecoder.run(body, limits, p -> new Reader(p, body, limits).read(true));
    }

    /** A {@code POST /v1/messages/count_tokens} body: as a Messages body, without {@code max_tokens}. */
    public static ChatRequest decodeCountTokens(ByteBuf body, JsonLimits limits) {
        return OpenAiRequestDecoder.run(body, limits, p -> new Reader(p, body, limits).read(false));
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

        ChatRequest read(boolean needMaxTokens) throws IOException {
            json.startBody();
            String model = null;
            Integer maxTokens = null;
            List<ContentPart> system = null;
            List<Message> messages = null;
            List<String> stop = null;
            Double temperature = null;
            Double topP = null;
            Integer topK = null;
            List<Tool> tools = null;
            ToolChoice toolChoice = null;
            Boolean parallel = null;
            String user = null;
            Integer budget = null;
            String effort = null;
            ResponseFormat format = null;
            Boolean stream = null;
            Map<String, JsonNode> extra = new LinkedHashMap<>();
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "model" -> model = json.string("model");
                    case "max_tokens" -> {
                        maxTokens = json.integer("max_tokens");
                        if (maxTokens != null && maxTokens < 0) {
                            throw invalid("invalid_value", "max_tokens", "'max_tokens' must be at least 0, got "
                                    + maxTokens + ".");
                        }
                    }
                    case "system" -> system = system();
                    case "messages" -> messages = messages();
                    case "stop_sequences" -> stop = strings("stop_sequences");
                    case "temperature" -> temperature = range(json.number("temperature"), 0, 1, "temperature");
                    case "top_p" -> topP = range(json.number("top_p"), 0, 1, "top_p");
                    case "top_k" -> {
                        topK = json.integer("top_k");
                        if (topK != null && topK < 0) {
                            throw invalid("invalid_value", "top_k", "'top_k' must be at least 0, got " + topK + ".");
                        }
                    }
                    case "tools" -> tools = tools();
                    case "tool_choice" -> {
                        Choice c = toolChoice();
                        if (c != null) {
                            toolChoice = c.choice;
                            parallel = c.parallel;
                        }
                    }
                    case "metadata" -> user = metadata();
                    case "thinking" -> {
                        Thinking t = thinking();
                        if (t != null) {
                            budget = t.budget;
                            if (t.effort != null) {
                                effort = t.effort;
                            }
                        }
                    }
                    case "output_config" -> {
                        OutputConfig c = outputConfig();
                        if (c != null) {
                            if (c.effort != null) {
                                effort = c.effort;
                            }
                            format = c.format;
                        }
                    }
                    case "stream" -> stream = json.bool("stream");
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
            if (needMaxTokens && maxTokens == null) {
                throw invalid("missing_field", "max_tokens",
                        "'max_tokens' is required: the most tokens the answer may have.");
            }
            if (messages == null) {
                throw invalid("missing_field", "messages", "'messages' is required: send at least one message.");
            }
            if (messages.isEmpty()) {
                throw invalid("invalid_value", "messages", "'messages' must contain at least one message.");
            }
            if (budget != null && "none".equals(effort)) {
                throw invalid("invalid_value", "thinking", "'thinking' is enabled but 'output_config.effort' is none.");
            }
            List<Message> all = messages;
            if (system != null && !system.isEmpty()) {
                all = new ArrayList<>(messages.size() + 1);
                all.add(new Message.System(false, system, null));
                all.addAll(messages);
            }
            return new ChatRequest(model, all, temperature, topP, null, stop, maxTokens,
                    maxTokens == null ? null : "max_tokens", null, null, null, tools, toolChoice, parallel, format,
                    effort, user, null, Boolean.TRUE.equals(stream), false, extra, topK, budget);
        }

        // ---- system and messages -------------------------------------------------------------------

        private List<ContentPart> system() throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_NULL) {
                return null;
            }
            if (t == JsonToken.VALUE_STRING) {
                return List.of(new ContentPart.Text(p.getText()));
            }
            if (t != JsonToken.START_ARRAY) {
                throw invalid("invalid_value", "system", "'system' must be a string or an array of text blocks.");
            }
            List<ContentPart> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String param = "system[" + out.size() + "]";
                Block b = block(param);
                if (!"text".equals(b.type)) {
                    throw invalid("invalid_value", param + ".type", "'system' may contain only text blocks, got '"
                            + b.type + "'.");
                }
                out.add(b.part);
            }
            return out;
        }

        private List<Message> messages() throws IOException {
            json.expectArray("messages");
            List<Message> out = new ArrayList<>();
            int i = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                message("messages[" + i++ + "]", out);
            }
            return out;
        }

        /** One Anthropic turn, appended as one or more canonical messages. */
        private void message(String param, List<Message> out) throws IOException {
            json.expectObject(param);
            String role = null;
            List<Block> blocks = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "role" -> role = json.string(param + ".role");
                    case "content" -> blocks = content(param + ".content");
                    default -> p.skipChildren();
                }
            }
            if (role == null) {
                throw invalid("missing_field", param + ".role", "'" + param + ".role' is required: user or assistant.");
            }
            if (blocks == null) {
                throw invalid("missing_field", param + ".content", "'" + param + ".content' is required.");
            }
            switch (role) {
                case "user" -> user(param, blocks, out);
                case "assistant" -> out.add(assistant(param, blocks));
                default -> throw invalid("invalid_value", param + ".role", "'" + param + ".role' is '" + role
                        + "'; expected user or assistant (the system prompt goes in the top-level 'system').");
            }
        }

        private void user(String param, List<Block> blocks, List<Message> out) {
            List<ContentPart> parts = new ArrayList<>();
            for (int i = 0; i < blocks.size(); i++) {
                Block b = blocks.get(i);
                String at = param + ".content[" + i + "]";
                switch (b.type) {
                    case "tool_result" -> out.add(b.toolResult);
                    case "text", "image", "document" -> parts.add(b.part);
                    default -> throw invalid("invalid_value", at + ".type", "A user message may contain text, image,"
                            + " document and tool_result blocks, got '" + b.type + "'.");
                }
            }
            if (!parts.isEmpty() || blocks.isEmpty()) {
                out.add(new Message.User(parts, null));
            }
        }

        private Message assistant(String param, List<Block> blocks) {
            List<ContentPart> parts = new ArrayList<>();
            List<dev.junction.translators.model.ToolCall> calls = new ArrayList<>();
            StringBuilder reasoning = null;
            for (int i = 0; i < blocks.size(); i++) {
                Block b = blocks.get(i);
                String at = param + ".content[" + i + "]";
                switch (b.type) {
                    case "text" -> parts.add(b.part);
                    case "tool_use" -> calls.add(b.toolUse);
                    case "thinking" -> {
                        if (reasoning == null) {
                            reasoning = new StringBuilder();
                        }
                        reasoning.append(b.thinking);
                    }
                    case "redacted_thinking" -> { }
                    default -> throw invalid("invalid_value", at + ".type", "An assistant message may contain text,"
                            + " tool_use, thinking and redacted_thinking blocks, got '" + b.type + "'.");
                }
            }
            return new Message.Assistant(parts, calls, reasoning == null ? null : reasoning.toString(), null);
        }

        /** A message's {@code content}: a string, or an array of blocks. */
        private List<Block> content(String param) throws IOException {
            JsonToken t = p.currentToken();
            if (t == JsonToken.VALUE_STRING) {
                return List.of(Block.text(p.getText()));
            }
            if (t != JsonToken.START_ARRAY) {
                throw invalid("invalid_value", param, "'" + param + "' must be a string or an array of content blocks.");
            }
            List<Block> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                out.add(block(param + "[" + out.size() + "]"));
            }
            return out;
        }

        /** What one content block held; which fields are set depends on {@code type}. */
        private static final class Block {
            String type;
            ContentPart part;
            Message.Tool toolResult;
            dev.junction.translators.model.ToolCall toolUse;
            String thinking;

            static Block text(String text) {
                Block b = new Block();
                b.type = "text";
                b.part = new ContentPart.Text(text);
                return b;
            }
        }

        private Block block(String param) throws IOException {
            json.expectObject(param);
            String type = null;
            String text = null;
            Source source = null;
            String title = null;
            String id = null;
            String name = null;
            JsonNode input = null;
            String toolUseId = null;
            List<Block> resultContent = null;
            boolean isError = false;
            String thinking = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "type" -> type = json.string(param + ".type");
                    case "text" -> text = json.string(param + ".text");
                    case "source" -> source = source(param + ".source", type);
                    case "title" -> title = json.string(param + ".title");
                    case "id" -> id = json.string(param + ".id");
                    case "name" -> name = json.string(param + ".name");
                    case "input" -> {
                        if (p.currentToken() != JsonToken.START_OBJECT) {
                            throw invalid("invalid_value", param + ".input", "'" + param + ".input' must be an object.");
                        }
                        input = p.readValueAsTree();
                    }
                    case "tool_use_id" -> toolUseId = json.string(param + ".tool_use_id");
                    case "content" -> {
                        if (!json.isNull()) {
                            resultContent = content(param + ".content");
                        }
                    }
                    case "is_error" -> isError = Boolean.TRUE.equals(json.bool(param + ".is_error"));
                    case "thinking" -> thinking = json.string(param + ".thinking");
                    default -> p.skipChildren(); // cache_control, citations, signature, data, context
                }
            }
            if (type == null) {
                throw invalid("missing_field", param + ".type", "'" + param + ".type' is required.");
            }
            Block b = new Block();
            b.type = type;
            switch (type) {
                case "text" -> {
                    if (text == null) {
                        throw invalid("missing_field", param + ".text", "A text block needs 'text'.");
                    }
                    b.part = new ContentPart.Text(text);
                }
                case "image" -> {
                    if (source == null) {
                        throw invalid("missing_field", param + ".source", "An image block needs 'source'.");
                    }
                    b.part = source.image(param);
                }
                case "document" -> {
                    if (source == null) {
                        throw invalid("missing_field", param + ".source", "A document block needs 'source'.");
                    }
                    b.part = source.document(param, title);
                }
                case "tool_use" -> {
                    if (id == null || name == null) {
                        throw invalid("missing_field", param + (id == null ? ".id" : ".name"),
                                "A tool_use block needs 'id' and 'name'.");
                    }
                    b.toolUse = new dev.junction.translators.model.ToolCall(id, name,
                            input == null ? "{}" : input.toString());
                }
                case "tool_result" -> {
                    if (toolUseId == null) {
                        throw invalid("missing_field", param + ".tool_use_id",
                                "A tool_result block needs 'tool_use_id': the id of the tool_use it answers.");
                    }
                    List<ContentPart> parts = new ArrayList<>();
                    if (resultContent != null) {
                        for (int i = 0; i < resultContent.size(); i++) {
                            Block r = resultContent.get(i);
                            if (!"text".equals(r.type)) {
                                throw invalid("unsupported_capability", param + ".content[" + i + "]",
                                        "Only text can be translated inside a tool_result for this model; got a block of type '"
                                                + r.type + "'. Send the " + r.type
                                                + " in a user text turn instead, or use an Anthropic model.");
                            }
                            parts.add(r.part);
                        }
                    }
                    b.toolResult = new Message.Tool(toolUseId, parts, isError);
                }
                case "thinking" -> b.thinking = thinking == null ? "" : thinking;
                case "redacted_thinking" -> { }
                default -> throw invalid("unsupported_capability", param + ".type", "Content block type '" + type
                        + "' runs only on Anthropic models; it cannot be sent to this model.");
            }
            return b;
        }

        /** A media {@code source}: base64 data stays a span of the body, never a string. */
        private record Source(String type, String mediaType, Object data, String url, String fileId) {

            ContentPart image(String param) {
                return switch (type == null ? "" : type) {
                    case "base64" -> new ContentPart.Image(new dev.junction.translators.model.MediaSource.Inline(
                            need(mediaType, param + ".source.media_type"), span(param)), null);
                    case "url" -> new ContentPart.Image(new dev.junction.translators.model.MediaSource.Url(
                            need(url, param + ".source.url")), null);
                    case "file" -> new ContentPart.Image(new dev.junction.translators.model.MediaSource.FileId(
                            need(fileId, param + ".source.file_id")), null);
                    default -> throw invalid("invalid_value", param + ".source.type",
                            "An image source must be base64, url or file, got '" + type + "'.");
                };
            }

            ContentPart document(String param, String title) {
                return switch (type == null ? "" : type) {
                    case "base64" -> new ContentPart.File(new dev.junction.translators.model.MediaSource.Inline(
                            need(mediaType, param + ".source.media_type"), span(param)), title);
                    case "url" -> new ContentPart.File(new dev.junction.translators.model.MediaSource.Url(
                            need(url, param + ".source.url")), title);
                    case "file" -> new ContentPart.File(new dev.junction.translators.model.MediaSource.FileId(
                            need(fileId, param + ".source.file_id")), title);
                    case "text" -> {
                        String t = data instanceof String s ? s
                                : data instanceof dev.junction.translators.model.ByteSpan span
                                ? span.buffer().toString(span.offset(), span.length(), java.nio.charset.StandardCharsets.UTF_8)
                                : null;
                        yield new ContentPart.Text(need(t, param + ".source.data"));
                    }
                    default -> throw invalid("unsupported_capability", param + ".source.type",
                            "A document source of type '" + type + "' cannot be sent to this model; use base64, url,"
                                    + " file or text.");
                };
            }

            private dev.junction.translators.model.ByteSpan span(String param) {
                if (!(data instanceof dev.junction.translators.model.ByteSpan s)) {
                    throw invalid("missing_field", param + ".source.data", "A base64 source needs 'data'.");
                }
                return s;
            }

            private static String need(String v, String param) {
                if (v == null) {
                    throw invalid("missing_field", param, "'" + param + "' is required.");
                }
                return v;
            }
        }

        /**
         * {@code blockType} is the block's type when it came before {@code source} (SDKs write it
         * first): a plain-text document's data is then read as text, anything else as a span.
         */
        private Source source(String param, String blockType) throws IOException {
            json.expectObject(param);
            String type = null;
            String mediaType = null;
            Object data = null;
            String url = null;
            String fileId = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "type" -> type = json.string(param + ".type");
                    case "media_type" -> mediaType = json.string(param + ".media_type");
                    case "data" -> data = "text".equals(type) ? json.string(param + ".data")
                            : media.base64String(param + ".data");
                    case "url" -> url = json.string(param + ".url");
                    case "file_id" -> fileId = json.string(param + ".file_id");
                    default -> p.skipChildren();
                }
            }
            return new Source(type, mediaType, data, url, fileId);
        }

        // ---- tools -----------------------------------------------------------------------------------

        private List<Tool> tools() throws IOException {
            if (json.isNull()) {
                return null;
            }
            json.expectArray("tools");
            List<Tool> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                String item = "tools[" + out.size() + "]";
                json.expectObject(item);
                String type = null;
                String name = null;
                String description = null;
                JsonNode schema = null;
                Boolean strict = null;
                for (String field = json.nextField(); field != null; field = json.nextField()) {
                    switch (field) {
                        case "type" -> type = json.string(item + ".type");
                        case "name" -> name = json.string(item + ".name");
                        case "description" -> description = json.string(item + ".description");
                        case "input_schema" -> {
                            if (p.currentToken() != JsonToken.START_OBJECT) {
                                throw invalid("invalid_value", item + ".input_schema",
                                        "'" + item + ".input_schema' must be a JSON Schema object.");
                            }
                            schema = p.readValueAsTree();
                        }
                        case "strict" -> strict = json.bool(item + ".strict");
                        default -> p.skipChildren();
                    }
                }
                if (type != null && !type.equals("custom")) {
                    throw invalid("unsupported_capability", item + ".type", "Tool type '" + type
                            + "' is one of Anthropic's server tools, which run only on Anthropic models;"
                            + " define a custom tool (name, description, input_schema) instead.");
                }
                if (name == null || name.isEmpty()) {
                    throw invalid("missing_field", item + ".name", "A tool needs a 'name'.");
                }
                if (schema == null) {
                    throw invalid("missing_field", item + ".input_schema", "A tool needs an 'input_schema'.");
                }
                out.add(new Tool(name, description, schema, strict));
            }
            return out;
        }

        private record Choice(ToolChoice choice, Boolean parallel) {
        }

        private Choice toolChoice() throws IOException {
            if (json.isNull()) {
                return null;
            }
            json.expectObject("tool_choice");
            String type = null;
            String name = null;
            Boolean disableParallel = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "type" -> type = json.string("tool_choice.type");
                    case "name" -> name = json.string("tool_choice.name");
                    case "disable_parallel_tool_use" -> disableParallel = json.bool("tool_choice.disable_parallel_tool_use");
                    default -> p.skipChildren();
                }
            }
            if (type == null) {
                throw invalid("missing_field", "tool_choice.type", "'tool_choice.type' is required: auto, any, tool or none.");
            }
            ToolChoice choice = switch (type) {
                case "auto" -> new ToolChoice.Auto();
                case "any" -> new ToolChoice.Required();
                case "none" -> new ToolChoice.None();
                case "tool" -> {
                    if (name == null) {
                        throw invalid("missing_field", "tool_choice.name", "'tool_choice' of type tool needs 'name'.");
                    }
                    yield new ToolChoice.Named(name);
                }
                default -> throw invalid("invalid_value", "tool_choice.type", "'tool_choice.type' is '" + type
                        + "'; expected auto, any, tool or none.");
            };
            return new Choice(choice, Boolean.TRUE.equals(disableParallel) ? Boolean.FALSE : null);
        }

        // ---- metadata, thinking, output_config, stop ---------------------------------------------------

        private String metadata() throws IOException {
            if (json.isNull()) {
                return null;
            }
            json.expectObject("metadata");
            String user = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                if (!field.equals("user_id")) {
                    throw invalid("invalid_value", "metadata." + field,
                            "'metadata' may hold only 'user_id', got '" + field + "'.");
                }
                user = json.string("metadata.user_id");
            }
            return user;
        }

        private record Thinking(Integer budget, String effort) {
        }

        private Thinking thinking() throws IOException {
            if (json.isNull()) {
                return null;
            }
            json.expectObject("thinking");
            String type = null;
            Integer budget = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "type" -> type = json.string("thinking.type");
                    case "budget_tokens" -> budget = json.integer("thinking.budget_tokens");
                    default -> p.skipChildren(); // display: how thinking is shown, not whether
                }
            }
            if (type == null) {
                throw invalid("missing_field", "thinking.type", "'thinking.type' is required: enabled, disabled or adaptive.");
            }
            return switch (type) {
                case "enabled" -> {
                    if (budget == null) {
                        throw invalid("missing_field", "thinking.budget_tokens",
                                "'thinking' of type enabled needs 'budget_tokens'.");
                    }
                    if (budget < 1) {
                        throw invalid("invalid_value", "thinking.budget_tokens",
                                "'thinking.budget_tokens' must be positive, got " + budget + ".");
                    }
                    yield new Thinking(budget, null);
                }
                case "disabled" -> new Thinking(null, "none");
                case "adaptive" -> new Thinking(null, null);
                default -> throw invalid("invalid_value", "thinking.type", "'thinking.type' is '" + type
                        + "'; expected enabled, disabled or adaptive.");
            };
        }

        private record OutputConfig(String effort, ResponseFormat format) {
        }

        private OutputConfig outputConfig() throws IOException {
            if (json.isNull()) {
                return null;
            }
            json.expectObject("output_config");
            String effort = null;
            ResponseFormat format = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "effort" -> effort = json.string("output_config.effort");
                    case "format" -> format = format();
                    default -> p.skipChildren();
                }
            }
            return new OutputConfig(effort, format);
        }

        private ResponseFormat format() throws IOException {
            if (json.isNull()) {
                return null;
            }
            json.expectObject("output_config.format");
            String type = null;
            JsonNode schema = null;
            for (String field = json.nextField(); field != null; field = json.nextField()) {
                switch (field) {
                    case "type" -> type = json.string("output_config.format.type");
                    case "schema" -> {
                        if (p.currentToken() != JsonToken.START_OBJECT) {
                            throw invalid("invalid_value", "output_config.format.schema",
                                    "'output_config.format.schema' must be a JSON Schema object.");
                        }
                        schema = p.readValueAsTree();
                    }
                    default -> p.skipChildren();
                }
            }
            if (!"json_schema".equals(type)) {
                throw invalid("invalid_value", "output_config.format.type",
                        "'output_config.format.type' must be json_schema, got '" + type + "'.");
            }
            if (schema == null) {
                throw invalid("missing_field", "output_config.format.schema", "'output_config.format.schema' is required.");
            }
            // Anthropic's structured output has no schema name; OpenAI-shaped vendors need one.
            return new ResponseFormat.JsonSchema("output", null, schema, true);
        }

        private List<String> strings(String param) throws IOException {
            if (json.isNull()) {
                return null;
            }
            json.expectArray(param);
            List<String> out = new ArrayList<>();
            while (p.nextToken() != JsonToken.END_ARRAY) {
                if (p.currentToken() != JsonToken.VALUE_STRING) {
                    throw invalid("invalid_value", param + "[" + out.size() + "]", "Each '" + param
                            + "' entry must be a string.");
                }
                out.add(p.getText());
            }
            return out;
        }
    }
}
